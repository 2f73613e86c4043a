"""docs/security.md shows exactly the role grants the code enforces."""

from pathlib import Path

from ketapath.db.models import Role
from ketapath.services.permissions import GRANTS

DOC = Path(__file__).resolve().parents[2] / "docs" / "security.md"


def render_grants() -> str:
    roles = list(Role)
    lines = [
        "| capability | " + " | ".join(r.value.replace("_", " ") for r in roles) + " |",
        "|---|" + "---|" * len(roles),
    ]
    for capability, granted in GRANTS.items():
        cells = " | ".join("✓" if role in granted else "" for role in roles)
        lines.append(f"| `{capability.value}` | {cells} |")
    return "\n".join(lines)


def test_grant_table_matches_the_code():
    text = DOC.read_text(encoding="utf-8")
    start = text.index("-->", text.index("<!-- grants:start")) + len("-->")
    end = text.index("<!-- grants:end -->")
    assert text[start:end].strip() == render_grants()
