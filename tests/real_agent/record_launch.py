#!/usr/bin/env python3
"""Records the Launch frames a real agent sends, for tests/fixtures.

Give it to an agent as --containerizer_path, with RECORD_DIR (where frames
go) and RECORD_PROGRAM (the real program) in the agent's environment. For
`launch` it reads exactly one frame (the 4-byte length in host order, then
the message: the agent never closes stdin), writes it to
RECORD_DIR/launch-<container id's position>.bin, and runs RECORD_PROGRAM with
the frame as its stdin; every other command goes to RECORD_PROGRAM as is.
"""
import os
import struct
import sys


def read_exactly(count):
    data = b""
    while len(data) < count:
        chunk = os.read(0, count - len(data))
        if not chunk:
            sys.exit("record_launch: stdin ended after %d of %d bytes" % (len(data), count))
        data += chunk
    return data


def main():
    program = os.environ["RECORD_PROGRAM"]
    if sys.argv[1:2] == ["launch"]:
        head = read_exactly(4)
        frame = head + read_exactly(struct.unpack("=I", head)[0])
        directory = os.environ["RECORD_DIR"]
        path = os.path.join(directory, "launch-%d.bin" % len(os.listdir(directory)))
        with open(path, "wb") as out:
            out.write(frame)
        stdin = os.open(path, os.O_RDONLY)
        os.dup2(stdin, 0)
        os.close(stdin)
    os.execv(program, [program] + sys.argv[1:])


if __name__ == "__main__":
    main()
