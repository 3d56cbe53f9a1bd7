"""The package's import graph has no circles.

Read from the source (the AST of every module under ``skdnn/``), not from an import:
an edge ``a -> b`` is an ``import`` statement in module ``a`` naming module ``b``
(``from . import x`` names the submodule ``x`` when there is one, else the package).
Imports inside functions count too: a circle through a deferred import still ties the
two modules to each other. ``if TYPE_CHECKING:`` blocks do not count (they never run).
"""

import ast
from pathlib import Path

import skdnn

ROOT = Path(skdnn.__file__).parent


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def _type_checking_nodes(tree: ast.AST) -> set:
    """The nodes under ``if TYPE_CHECKING:`` (never run)."""
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                skipped.update(id(n) for n in ast.walk(child))
    return skipped


def _imported(node: ast.AST, name: str, package: bool, modules: set) -> list:
    """The skdnn modules named by one import statement of module ``name``."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names if alias.name.partition(".")[0] == "skdnn"]
    if node.level:
        base = name.split(".")
        base = base[: len(base) - node.level + (1 if package else 0)]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    if target.partition(".")[0] != "skdnn":
        return []
    found = []
    for alias in node.names:
        sub = f"{target}.{alias.name}"
        found.append(sub if sub in modules else target)
    return found


def import_graph() -> dict:
    """``{module: set of skdnn modules it imports}`` for every module under skdnn/."""
    paths = {_module_name(p): p for p in ROOT.rglob("*.py")}
    graph = {}
    for name, path in paths.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skipped = _type_checking_nodes(tree)
        edges = set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)) and id(node) not in skipped:
                edges.update(_imported(node, name, _is_package(path), set(paths)))
        edges.discard(name)
        graph[name] = edges
    return graph


def find_cycle(graph: dict) -> list | None:
    """One circle ``[a, b, ..., a]`` of ``graph``, or None (depth-first search)."""
    state = {}  # 1: on the current path, 2: done

    def visit(node, path):
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state:
                cycle = visit(nxt, path)
                if cycle:
                    return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node, [])
            if cycle:
                return cycle
    return None


def test_graph_sees_the_plugin_packages():
    """The reader resolves relative imports: the edges it must find are there."""
    graph = import_graph()
    assert "skdnn.activations._base" in graph["skdnn.activations"]
    assert "skdnn._registry" in graph["skdnn.activations._base"]
    assert "skdnn.activations._base" in graph["skdnn.activations._more"]
    assert "skdnn.optimizers" in graph["skdnn._lbfgs"]
    assert "skdnn.backends._cupy" in graph["skdnn.backends"]


def test_find_cycle_finds_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_no_module_imports_another_that_imports_it_back():
    """Regression: activations <-> _more_activations, optimizers <-> _lbfgs and
    backends <-> _cupy / _array_api imported each other (a public module imported its
    private extension at its bottom, which imported the public module back)."""
    cycle = find_cycle(import_graph())
    assert cycle is None, "import circle: " + " -> ".join(cycle)
