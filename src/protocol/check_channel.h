/*
 * The check channel's messages, shared by the container's init (C) and the
 * host side (src/container/enter.cpp, C++): pure, bounded, no allocation, unit-tested
 * (tests/unit/check_channel_test.cpp).
 *
 * The channel is a UNIX SOCK_SEQPACKET socket that the init listens on in
 * the run directory. A connection carries one request and one reply, each
 * one whole message: a seqpacket socket never splits nor merges messages,
 * so a message of the wrong size is a bad one, never a part of one.
 *
 * Request: "DCC1", argc and envc (u32, host order: both ends are on one
 * machine), then 1 + argc + envc strings, each ended by a NUL: the file to
 * execute (looked up on PATH when it has no '/'), its argv, and NAME=VALUE
 * entries that win over the init's environment. With it, optionally, two
 * descriptors (SCM_RIGHTS): the command's stdout and stderr.
 *
 * Reply: "DCR1", kind and value (i32): CHECK_ENDED with the command's wait
 * status, CHECK_NOT_EXECUTED with execvp's errno, or CHECK_REFUSED with an
 * errno (EINVAL: a bad request; else fork's).
 */
#ifndef CHECK_CHANNEL_H
#define CHECK_CHANNEL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The socket's name in the run directory. */
#define CHECK_CHANNEL_NAME "checks.sock"
/* The largest request: a check's command and its own variables. */
#define CHECK_MAX_REQUEST 32768
/* At most this many argv words and as many environment entries. */
#define CHECK_MAX_WORDS 256
#define CHECK_REPLY_SIZE 12
/* How many connections the init serves at a time, and how many more wait
 * in its socket's backlog. */
#define CHECK_SLOTS 4

enum { CHECK_ENDED = 1, CHECK_REFUSED = 2, CHECK_NOT_EXECUTED = 3 };

struct check_request {
	char *file;
	char *argv[CHECK_MAX_WORDS + 1]; /* NULL-terminated */
	char *env[CHECK_MAX_WORDS + 1];  /* NULL-terminated */
};

struct check_reply {
	int32_t kind;
	int32_t value;
};

/* The request for these words in out[0..cap): its length, or 0 when it
 * does not fit, a count is out of bounds or argc is 0. The words must hold
 * no NUL but their end (the caller's duty: C strings cannot). */
static inline size_t check_request_encode(char *out, size_t cap, const char *file,
					  const char *const *argv, uint32_t argc,
					  const char *const *env, uint32_t envc)
{
	size_t at = 12, i, n;
	const char *word;

	if (argc == 0 || argc > CHECK_MAX_WORDS || envc > CHECK_MAX_WORDS ||
	    cap < at)
		return 0;
	memcpy(out, "DCC1", 4);
	memcpy(out + 4, &argc, 4);
	memcpy(out + 8, &envc, 4);
	for (i = 0; i < 1 + (size_t)argc + envc; i++) {
		word = i == 0 ? file : i <= argc ? argv[i - 1] : env[i - 1 - argc];
		n = strlen(word) + 1;
		if (n > cap - at)
			return 0;
		memcpy(out + at, word, n);
		at += n;
	}
	return at;
}

/* Splits the request msg[0..len) in place into `request`: 0, or -1 when it
 * is not one (a wrong magic, counts out of bounds, a string running past the
 * end, bytes after the last string, an environment entry with no NAME=). */
static inline int check_request_decode(char *msg, size_t len, struct check_request *request)
{
	uint32_t argc, envc, i;
	size_t at = 12;
	char *end, *equals;

	if (len < at || len > CHECK_MAX_REQUEST || memcmp(msg, "DCC1", 4) != 0)
		return -1;
	memcpy(&argc, msg + 4, 4);
	memcpy(&envc, msg + 8, 4);
	if (argc == 0 || argc > CHECK_MAX_WORDS || envc > CHECK_MAX_WORDS)
		return -1;
	for (i = 0; i < 1 + argc + envc; i++) {
		end = (char *)memchr(msg + at, '\0', len - at);
		if (!end)
			return -1;
		if (i == 0)
			request->file = msg + at;
		else if (i <= argc)
			request->argv[i - 1] = msg + at;
		else {
			equals = strchr(msg + at, '=');
			if (!equals || equals == msg + at)
				return -1;
			request->env[i - 1 - argc] = msg + at;
		}
		at = (size_t)(end - msg) + 1;
	}
	if (at != len || request->file[0] == '\0')
		return -1;
	request->argv[argc] = NULL;
	request->env[envc] = NULL;
	return 0;
}

static inline void check_reply_encode(char out[CHECK_REPLY_SIZE], int32_t kind, int32_t value)
{
	memcpy(out, "DCR1", 4);
	memcpy(out + 4, &kind, 4);
	memcpy(out + 8, &value, 4);
}

/* 0, or -1 when msg[0..len) is not a reply. */
static inline int check_reply_decode(const char *msg, size_t len, struct check_reply *reply)
{
	if (len != CHECK_REPLY_SIZE || memcmp(msg, "DCR1", 4) != 0)
		return -1;
	memcpy(&reply->kind, msg + 4, 4);
	memcpy(&reply->value, msg + 8, 4);
	return reply->kind >= CHECK_ENDED && reply->kind <= CHECK_NOT_EXECUTED ? 0 : -1;
}

#endif
