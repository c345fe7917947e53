"""A milestone written only if the step it announces is still going on a moment later."""
from __future__ import annotations

import threading
from typing import Any, Callable, Optional, TypeVar

Callback = TypeVar("Callback", bound=Callable[..., Any])


class DeferredMilestone:
    """Write a milestone of the job after ``delay`` seconds, unless the step is over by then.

    A local process that finishes in a few milliseconds would otherwise cost a write of the job that no client
    could ever see before the final one. The write happens in a timer thread: every other write of the job
    during the step goes through :meth:`guard` so that the two never interleave, and an error of the deferred
    write (the job was dismissed meanwhile) is raised in the caller's thread when the step ends.
    """

    def __init__(self, write: Callable[[], None], delay: float) -> None:
        self._write = write
        self._lock = threading.Lock()
        self._over = False
        self._error: Optional[BaseException] = None
        self._timer = threading.Timer(max(0.0, delay), self._fire)
        self._timer.daemon = True

    def _fire(self) -> None:
        with self._lock:
            if self._over:
                return
            try:
                self._write()
            except BaseException as exc:  # handed to the caller's thread at the end of the step
                self._error = exc

    def guard(self, callback: Callback) -> Callback:
        """``callback`` made exclusive with the deferred write (for progress writes made during the step)."""
        def guarded(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                return callback(*args, **kwargs)
        return guarded  # type: ignore[return-value]

    def __enter__(self) -> "DeferredMilestone":
        self._timer.start()
        return self

    def __exit__(self, exc_type: Any, *_: Any) -> None:
        with self._lock:
            self._over = True
        self._timer.cancel()
        if self._error is not None and exc_type is None:
            raise self._error
