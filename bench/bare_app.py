"""The ceiling: the same framework and server answering a static JSON body, no database."""

from fastapi import FastAPI

app = FastAPI()
BODY: dict[str, object] = {"status": "ok", "sessions": [], "generated_by": "bare"}


@app.get("/bare")
def bare() -> dict[str, object]:
    return BODY
