"""Runs cwltool as a child and takes its whole process group down with it: ``python cwl_exec.py <cwltool args>``.

Started as a script (not ``-m``) so that it imports nothing but the standard library. It leads its own process
group, holding cwltool and every tool command cwltool starts; the kernel sends it SIGTERM when the worker that
started it dies (a dismissed job's worker is killed with SIGKILL), and on SIGTERM it kills the whole group.
"""
import ctypes
import os
import signal
import subprocess
import sys

PR_SET_PDEATHSIG = 1


def _kill_group(signum: int, frame: object) -> None:
    os.killpg(os.getpgid(0), signal.SIGKILL)


def main() -> int:
    signal.signal(signal.SIGTERM, _kill_group)
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
    except OSError:
        pass
    if os.getppid() == 1:  # the worker died before the death signal was armed
        return 1
    with subprocess.Popen([sys.executable, "-m", "cwltool", *sys.argv[1:]]) as proc:
        return proc.wait()


if __name__ == "__main__":
    sys.exit(main())
