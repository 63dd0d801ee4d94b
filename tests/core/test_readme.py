"""README.md stays true: the two commands come first, and every setting is documented."""

from __future__ import annotations

from pathlib import Path

from backend.core.settings import Settings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def test_every_setting_is_documented() -> None:
    missing = [
        f"KOORDINAT_{name.upper()}"
        for name in Settings.model_fields
        if f"`KOORDINAT_{name.upper()}`" not in README
    ]
    assert missing == []


def test_readme_starts_with_the_two_commands() -> None:
    blocks = README.split("```")
    demo, tests = blocks[1].strip(), blocks[3].strip()
    assert demo == "sh\nbin/demo" and tests == "sh\nbin/test"
    ci = (Path(__file__).resolve().parents[2] / ".ci" / "run").read_text().splitlines()
    assert "bin/test" in [line.strip() for line in ci]
