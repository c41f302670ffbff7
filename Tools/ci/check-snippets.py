#!/usr/bin/env python3
"""Extracts every ```swift block of the documentation into a throw-away package.

Sources read: README.md, Modules/README.md, every Modules/*/*.docc/*.md, and the
`///` doc comments of every Swift file under Modules/ (the comment markers are
stripped, then the text is read as Markdown, as DocC reads it).

The convention (also in Tools/README.md, "ci/check-snippets.sh"):

- A block whose first code line is an `import` is a *program*: it becomes the
  main.swift of its own executable, verbatim, and check-snippets.sh runs it and
  requires exit status 0 within the time limit.
- Any other block is a *fragment*: it is compiled inside a function of the
  `Fragments` target (`throws`, and `async` when the block awaits), after the
  placeholder types of Tools/ci/snippets-prelude.swift. Fragments are compiled,
  not run.
- An HTML comment right before a block (DocC and GitHub do not render it)
  changes that:
    <!-- snippet: setup
    let channel = try SNChannel<Int>.spsc(capacity: 8)
    -->                 code compiled before the fragment, in the same function
    <!-- snippet: no-run REASON -->   a program that is built but not run
    <!-- snippet: skip REASON -->     not compiled at all (use sparingly)
  In a doc comment the same lines carry the `///` prefix.

Usage: check-snippets.py REPO_ROOT OUTPUT_PACKAGE_DIR
Writes the package and OUTPUT_PACKAGE_DIR/programs.tsv (executable, source,
run or no-run), and prints the counts.
"""

import pathlib
import re
import shutil
import sys

MODULES = ["SNAtomics", "SNChannels", "SNPartition", "SNPool", "SNMemory", "SNSimd", "SharedNothing"]
FENCE = re.compile(r"^(\s*)```(\S*)\s*$")
MARKER = re.compile(r"^\s*<!--\s*snippet:\s*(setup|no-run|skip)\b(.*)$")


class Block:
    def __init__(self, source, line, code, kind, setup, setup_line, reason):
        self.source, self.line, self.code = source, line, code
        self.kind, self.setup, self.setup_line, self.reason = kind, setup, setup_line, reason


def markdown_lines(path, text):
    """(line number, text) pairs of the Markdown a file carries."""
    if path.suffix == ".md":
        return list(enumerate(text.split("\n"), start=1))
    result = []
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.lstrip()
        if stripped.startswith("///"):
            body = stripped[3:]
            result.append((number, body[1:] if body.startswith(" ") else body))
        else:
            result.append((number, None))  # ends any block or marker
    return result


def blocks_in(path, root):
    text = path.read_text()
    relative = str(path.relative_to(root))
    lines = markdown_lines(path, text)
    blocks, i = [], 0
    pending = None  # (kind, reason, setup lines, setup line number)
    while i < len(lines):
        number, line = lines[i]
        if line is None:
            pending, i = None, i + 1
            continue
        marker = MARKER.match(line)
        if marker:
            kind, rest = marker.group(1), marker.group(2).strip()
            if kind == "setup":
                setup, j = [], i + 1
                first = rest[:-3].strip() if rest.endswith("-->") else rest
                if first:
                    setup.append(first)
                if not rest.endswith("-->"):
                    while j < len(lines) and lines[j][1] is not None and lines[j][1].strip() != "-->":
                        setup.append(lines[j][1])
                        j += 1
                    j += 1
                pending = ("setup", "", setup, number + 1)
                i = j
            else:
                pending = (kind, rest.removesuffix("-->").strip(" -—"), [], 0)
                i += 1
            continue
        fence = FENCE.match(line)
        if fence:
            language, indent = fence.group(2), len(fence.group(1))
            code, j = [], i + 1
            while j < len(lines) and lines[j][1] is not None and not FENCE.match(lines[j][1]):
                code.append(lines[j][1][indent:] if lines[j][1][:indent].isspace() else lines[j][1].lstrip())
                j += 1
            if language == "swift":
                kind, reason, setup, setup_line = pending or ("", "", [], 0)
                if kind in ("skip", "no-run") and not reason:
                    sys.exit(f"{relative}:{number}: 'snippet: {kind}' needs a reason")
                first = next((c for c in code if c.strip() and not c.strip().startswith("//")), "")
                program = first.startswith("import ")
                if kind == "skip":
                    block_kind = "skip"
                elif program:
                    block_kind = "no-run" if kind == "no-run" else "program"
                else:
                    block_kind = "fragment"
                blocks.append(Block(relative, number + 1, code, block_kind, setup, setup_line, reason))
            pending, i = None, j + 1
            continue
        if line.strip():
            pending = None
        i += 1
    return blocks


def sources(root):
    yield root / "README.md"
    yield root / "Modules" / "README.md"
    yield from sorted(root.glob("Modules/*/*.docc/*.md"))
    yield from sorted(root.glob("Modules/**/*.swift"))


def location(path, line):
    return f'#sourceLocation(file: "{path}", line: {line})'


def main():
    root = pathlib.Path(sys.argv[1]).resolve()
    out = pathlib.Path(sys.argv[2]).resolve()
    blocks = [b for path in sources(root) if path.exists() for b in blocks_in(path, root)]

    fragments_dir = out / "Sources" / "Fragments"
    shutil.rmtree(out / "Sources", ignore_errors=True)  # no stale program targets
    fragments_dir.mkdir(parents=True, exist_ok=True)
    (fragments_dir / "Prelude.swift").write_text(
        (root / "Tools/ci/snippets-prelude.swift").read_text())

    imports = "".join(f"import {m}\n" for m in MODULES) + "import Synchronization\n"
    programs, fragment_count, skipped = [], 0, []
    for index, block in enumerate(blocks):
        name = re.sub(r"[^A-Za-z0-9]+", "_", f"{block.source}_{block.line}").strip("_")
        if block.kind == "skip":
            skipped.append(f"{block.source}:{block.line} ({block.reason})")
        elif block.kind in ("program", "no-run"):
            target = f"snippet_{index:03d}"
            directory = out / "Sources" / target
            directory.mkdir(parents=True, exist_ok=True)
            body = "\n".join(block.code)
            (directory / "main.swift").write_text(
                f"{location(block.source, block.line)}\n{body}\n#sourceLocation()\n")
            programs.append((target, f"{block.source}:{block.line}", block.kind))
        else:
            fragment_count += 1
            effects = "async throws" if re.search(r"\bawait\b", "\n".join(block.code + block.setup)) else "throws"
            parts = [imports, f"// {block.source}:{block.line}\n",
                     f"func fragment_{name}() {effects} {{\n"]
            if block.setup:
                parts += [location(block.source, block.setup_line), "\n", "\n".join(block.setup), "\n"]
            parts += [location(block.source, block.line), "\n", "\n".join(block.code), "\n",
                      "#sourceLocation()\n}\n"]
            (fragments_dir / f"{name}.swift").write_text("".join(parts))

    targets = ['    .target(name: "Fragments", dependencies: deps, swiftSettings: settings),\n']
    targets += [f'    .executableTarget(name: "{t}", dependencies: deps, swiftSettings: settings),\n'
                for t, _, _ in programs]
    (out / "Package.swift").write_text(f"""// swift-tools-version: 6.2
// Generated by Tools/ci/check-snippets.py: every ```swift block of the docs. Do not edit.
import PackageDescription

let deps: [Target.Dependency] = [
{"".join(f'  .product(name: "{m}", package: "swift-shared-nothing"),{chr(10)}' for m in MODULES)}]
let settings: [SwiftSetting] = [.swiftLanguageMode(.v6)]
let package = Package(
  name: "doc-snippets",
  dependencies: [.package(name: "swift-shared-nothing", path: "{root}")],
  targets: [
{"".join(targets)}  ]
)
""")
    (out / "programs.tsv").write_text("".join(f"{t}\t{s}\t{k}\n" for t, s, k in programs))
    runnable = sum(1 for p in programs if p[2] == "program")
    print(f"snippets: {len(blocks)} swift blocks: {len(programs)} programs ({runnable} to run), "
          f"{fragment_count} fragments, {len(skipped)} skipped")
    for s in skipped:
        print(f"  skipped: {s}")


if __name__ == "__main__":
    main()
