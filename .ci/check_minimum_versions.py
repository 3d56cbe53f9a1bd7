"""Check that .ci/minimum-versions.txt pins exactly the floors pyproject.toml declares.

    python .ci/check_minimum_versions.py              # the files agree (no install needed)
    python .ci/check_minimum_versions.py --installed  # also: the running environment has
                                                     # exactly the pinned versions; prints them

Every requirement of [project] dependencies and of the ``test`` extra must declare a floor
(``>=X``), and the constraints file must pin each of them, and nothing else, with ``==X``
(``1.26`` and ``1.26.0`` are the same version). Only the standard library is used.
"""

import re
import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
CONSTRAINTS = ROOT / ".ci" / "minimum-versions.txt"
EXTRAS = ("test",)

_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*([^;]*?)\s*(;.*)?$")
_RELEASE = re.compile(r"^[0-9]+(\.[0-9]+)*$")


def _name(name):
    """The PEP 503 normalized project name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _release(version, where):
    """A plain release number as a tuple without trailing zeros: 1.26.0 -> (1, 26)."""
    if not _RELEASE.match(version):
        sys.exit(f"{where}: {version!r} is not a plain release number (like 1.26.0)")
    parts = [int(p) for p in version.split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def declared_floors():
    """{name: (floor, requirement text)} from pyproject.toml."""
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in EXTRAS:
        requirements += project["optional-dependencies"][extra]
    floors = {}
    for text in requirements:
        match = _REQUIREMENT.match(text)
        if not match:
            sys.exit(f"pyproject.toml: cannot read the requirement {text!r}")
        name, _, specifiers, _ = match.groups()
        found = [s.strip()[2:].strip() for s in specifiers.split(",") if s.strip().startswith(">=")]
        if len(found) != 1:
            sys.exit(f"pyproject.toml: {text!r} declares no single floor (>=X)")
        floors[_name(name)] = (found[0], text)
    return floors


def pins():
    """{name: version} from the constraints file."""
    pinned = {}
    for number, line in enumerate(CONSTRAINTS.read_text().splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*(\S+)$", line)
        if not match:
            sys.exit(f"{CONSTRAINTS.name}:{number}: {line!r} is not an exact pin name==version")
        name = _name(match.group(1))
        if name in pinned:
            sys.exit(f"{CONSTRAINTS.name}:{number}: {name} is pinned twice")
        pinned[name] = match.group(2)
    return pinned


def main():
    floors, pinned = declared_floors(), pins()
    problems = []
    for name in sorted(floors.keys() - pinned.keys()):
        problems.append(
            f"{name}: pyproject.toml declares {floors[name][1]!r}; "
            f"{CONSTRAINTS.name} does not pin it"
        )
    for name in sorted(pinned.keys() - floors.keys()):
        problems.append(
            f"{name}: {CONSTRAINTS.name} pins it; pyproject.toml does not "
            f"declare it among {['dependencies', *EXTRAS]}"
        )
    for name in sorted(floors.keys() & pinned.keys()):
        floor, text = floors[name]
        if _release(floor, "pyproject.toml") != _release(pinned[name], CONSTRAINTS.name):
            problems.append(
                f"{name}: pyproject.toml declares {text!r}, "
                f"{CONSTRAINTS.name} pins =={pinned[name]}"
            )
    if "--installed" in sys.argv[1:]:
        from importlib.metadata import PackageNotFoundError, version

        for name in sorted(pinned):
            try:
                installed = version(name)
            except PackageNotFoundError:
                installed = None
            print(f"{name}=={installed}  (pinned =={pinned[name]})")
            if installed is None or _release(installed, name) != _release(pinned[name], name):
                problems.append(f"{name}: installed {installed}, pinned =={pinned[name]}")
    if problems:
        print(f"{CONSTRAINTS.relative_to(ROOT)} and pyproject.toml disagree:", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        sys.exit(1)
    print(f"{CONSTRAINTS.relative_to(ROOT)} pins the {len(pinned)} floors pyproject.toml declares")


if __name__ == "__main__":
    main()
