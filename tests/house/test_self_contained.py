"""The repository refers to no file outside itself (the API contract and the domain reference
are docs/contract.md and docs/domain.md)."""

import pathlib
import subprocess

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_no_reference_to_files_outside_the_repository():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    offenders = []
    for name in tracked:
        path = ROOT / name
        if path.suffix not in {".py", ".md", ".html", ".js", ".css", ".sh", ".toml", ".cfg", ".txt", ".yml"} \
                or not path.is_file():
            continue
        text = path.read_text(errors="ignore")
        for needle in ("../shared/", "/work/shared", "/work/main"):
            if needle in text and name != "tests/house/test_self_contained.py":
                offenders.append(f"{name}: {needle}")
    assert offenders == []
