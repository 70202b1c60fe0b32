#include "fetch/archive.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <unistd.h>

#include <functional>
#include <memory>

#include "base/error.hpp"

namespace dc::fetch {
namespace {

using Reader = std::unique_ptr<struct archive, int (*)(struct archive*)>;

std::string complaint(struct archive* a) {
  const char* text = archive_error_string(a);
  return text ? text : "unreadable archive";
}

Reader open_reader(int fd, Archive kind) {
  if (::lseek(fd, 0, SEEK_SET) != 0) throw Error("cannot rewind the archive");
  Reader reader(archive_read_new(), archive_read_free);
  if (kind == Archive::gzip) {
    archive_read_support_filter_gzip(reader.get());
    archive_read_support_format_raw(reader.get());
  } else {
    archive_read_support_filter_all(reader.get());
    if (kind == Archive::zip) archive_read_support_format_zip(reader.get());
    else archive_read_support_format_tar(reader.get());
  }
  if (archive_read_open_fd(reader.get(), fd, 1 << 16) != ARCHIVE_OK) throw Error(complaint(reader.get()));
  return reader;
}

// Calls `each` for every entry header; throws on a damaged archive.
void for_each_entry(struct archive* reader, const std::function<void(struct archive_entry*)>& each) {
  struct archive_entry* entry;
  for (;;) {
    int status = archive_read_next_header(reader, &entry);
    if (status == ARCHIVE_EOF) return;
    if (status < ARCHIVE_WARN) throw Error(complaint(reader));
    each(entry);
  }
}

std::string name_of(struct archive_entry* entry) {
  const char* name = archive_entry_pathname(entry);
  return name ? name : "";
}

// The limits as extraction goes: entries and bytes so far.
struct Counter {
  const Extraction& limits;
  uint64_t entries = 0;
  uint64_t bytes = 0;

  void entry() {
    if (++entries > limits.max_entries)
      throw Error("the archive has more than " + std::to_string(limits.max_entries) +
                  " entries (CONTAINERIZER_FETCH_EXTRACT_MAX_ENTRIES)");
    in_time();
  }
  void add(uint64_t size) {
    if (size > limits.max_bytes - bytes)
      throw Error("the archive holds more than " + std::to_string(limits.max_bytes) +
                  " bytes (CONTAINERIZER_FETCH_EXTRACT_MAX_SIZE)");
    bytes += size;
    in_time();
  }
  void in_time() const {
    if (std::chrono::steady_clock::now() > limits.deadline)
      throw Error("extraction did not finish in time (CONTAINERIZER_FETCH_TIMEOUT)");
  }
};

void check(struct archive_entry* entry, Counter& counter) {
  counter.entry();
  if (archive_entry_size_is_set(entry) && archive_entry_size(entry) > 0)
    counter.add(static_cast<uint64_t>(archive_entry_size(entry)));
  const std::string name = name_of(entry);
  auto path = entry_path(name);
  if (!path) throw Error("archive entry '" + name + "' would land outside the sandbox");
  if (const char* target = archive_entry_hardlink(entry)) {
    auto inside = entry_path(target);
    if (!inside || inside->empty())
      throw Error("archive entry '" + name + "' links to '" + target + "', outside the sandbox");
    return;
  }
  switch (archive_entry_filetype(entry)) {
    case AE_IFREG:
    case AE_IFDIR:
      return;
    case AE_IFLNK: {
      const char* target = archive_entry_symlink(entry);
      if (!target || !link_stays_inside(*path, target))
        throw Error("archive entry '" + name + "' links to '" + (target ? target : "") + "', outside the sandbox");
      return;
    }
    default:
      throw Error("archive entry '" + name + "' is not a file, directory or link");
  }
}

void copy_data(struct archive* reader, struct archive* writer, const std::string& name, Counter& counter) {
  const void* block;
  size_t size;
  la_int64_t offset;
  for (;;) {
    int status = archive_read_data_block(reader, &block, &size, &offset);
    if (status == ARCHIVE_EOF) return;
    if (status < ARCHIVE_WARN) throw Error(complaint(reader));
    counter.add(size);
    if (archive_write_data_block(writer, block, size, offset) < ARCHIVE_WARN)
      throw Error("cannot write '" + name + "': " + complaint(writer));
  }
}

}  // namespace

void extract(int fd, Archive kind, const std::string& name, Placed& placed, const Extraction& limits) {
  if (kind != Archive::gzip) {
    Counter declared{limits};
    for_each_entry(open_reader(fd, kind).get(), [&](struct archive_entry* entry) { check(entry, declared); });
  }
  Counter written{limits};

  Reader reader = open_reader(fd, kind);
  Reader writer(archive_write_disk_new(), archive_write_free);
  // Our own checks come first; libarchive's are a second line. No
  // ARCHIVE_EXTRACT_PERM (it would keep setuid bits) nor _OWNER (commit()
  // hands everything to the Launch's user).
  archive_write_disk_set_options(writer.get(), ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
                                                   ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                                                   ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS);
  for_each_entry(reader.get(), [&](struct archive_entry* entry) {
    written.entry();
    std::string path;
    if (kind == Archive::gzip) {
      path = gunzipped_path(name);
      archive_entry_set_filetype(entry, AE_IFREG);
      archive_entry_set_perm(entry, 0644);
    } else {
      path = *entry_path(name_of(entry));
      if (path.empty()) return;  // "./": the sandbox itself
      if (const char* target = archive_entry_hardlink(entry))
        archive_entry_copy_hardlink(entry, entry_path(target)->c_str());
    }
    archive_entry_copy_pathname(entry, path.c_str());
    placed.make_parents(path);
    placed.note(path);
    if (archive_write_header(writer.get(), entry) < ARCHIVE_WARN)
      throw Error("cannot write '" + path + "': " + complaint(writer.get()));
    copy_data(reader.get(), writer.get(), path, written);
    if (archive_write_finish_entry(writer.get()) < ARCHIVE_WARN)
      throw Error("cannot write '" + path + "': " + complaint(writer.get()));
  });
  if (archive_write_close(writer.get()) < ARCHIVE_WARN) throw Error(complaint(writer.get()));
}

}  // namespace dc::fetch
