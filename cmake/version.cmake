# Run at every build (cmake -P, by the dc_version target): writes OUTPUT, a
# header with DC_VERSION (the project's) and DC_REVISION (the source tree's
# git revision, "unknown" outside git), and touches it only when it changed,
# so an unchanged tree recompiles nothing.
set(revision unknown)
# Only the tree's own repository: a tarball unpacked inside another
# checkout must not report that checkout's revision.
execute_process(COMMAND git -C "${SOURCE_DIR}" rev-parse --show-toplevel
  OUTPUT_VARIABLE top OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE failed)
if(NOT failed AND top STREQUAL SOURCE_DIR)
  execute_process(COMMAND git -C "${SOURCE_DIR}" describe --always --dirty --abbrev=12
    OUTPUT_VARIABLE described OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE failed)
  if(NOT failed AND described)
    set(revision "${described}")
  endif()
endif()
set(text "#define DC_VERSION \"${VERSION}\"\n#define DC_REVISION \"${revision}\"\n")
set(old "")
if(EXISTS "${OUTPUT}")
  file(READ "${OUTPUT}" old)
endif()
if(NOT old STREQUAL text)
  file(WRITE "${OUTPUT}" "${text}")
endif()
