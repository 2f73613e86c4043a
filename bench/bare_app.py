"""The ceiling: the same framework and server answering a static JSON body, no database.

``python -m bench.bare_app --port P --workers N`` serves it as ``ketapath serve`` serves the
app: uvicorn, and with N > 1 on Linux the same worker processes with a socket each
(``ketapath.cli.workers``), so that the ceiling is measured with the same connection spread.
"""

from __future__ import annotations

import argparse

import uvicorn
from fastapi import FastAPI

from ketapath.cli.serve import EVENT_LOOP
from ketapath.cli.workers import ReusePortWorkers, supported

app = FastAPI()
BODY: dict[str, object] = {"status": "ok", "sessions": [], "generated_by": "bare"}


@app.get("/bare")
async def bare() -> dict[str, object]:
    # async, as every /api/v1 handler is: a plain ``def`` would run in the thread pool, a
    # hop of its own that lowered this ceiling to a quarter (1,600 against 6,600 req/s at
    # 50 clients on one worker, 2026-11-21) and flattered every ratio measured against it.
    return BODY


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    options: dict[str, object] = {
        "app": "bench.bare_app:app",
        "access_log": False,
        "log_level": "warning",
        "loop": EVENT_LOOP,  # as ketapath serve runs
    }
    if args.workers > 1 and supported():
        raise SystemExit(
            ReusePortWorkers(args.workers, args.host, args.port, options).run()
        )
    uvicorn.run(
        **options,  # type: ignore[arg-type]
        host=args.host,
        port=args.port,
        workers=args.workers if args.workers > 1 else None,
    )


if __name__ == "__main__":
    main()
