#!/usr/bin/env python3
"""Generates SNSimd's Float and Double sources from one template each.

The Float and Double kernels are the same code over two scalar types. A
generic version over `BinaryFloatingPoint & SIMDScalar` measured slower (the
specialisations did not inline through the tier dispatch), so the two stay
concrete, and this script keeps them from drifting apart:

    Tools/codegen/simd.py          # rewrite the generated files
    Tools/codegen/simd.py --check  # exit 1 if a generated file is stale (CI)

Templates live in Tools/codegen/templates/ (outside the targets, so SwiftPM
does not see them). Tokens: __Scalar__ (Float, Double), __scalar__ (float,
double), __suffix__ (the C kernels' f32, f64), __Other__ (the other type),
__seed__ (a per-type test seed). Output is formatted with `swift format`.
"""

import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TEMPLATES = os.path.join(ROOT, "Tools", "codegen", "templates")

TYPES = {
    "Float": {"__scalar__": "float", "__suffix__": "f32", "__Other__": "Double", "__seed__": "0xF10A7"},
    "Double": {"__scalar__": "double", "__suffix__": "f64", "__Other__": "Float", "__seed__": "0xD0B1E"},
}

# template -> output path pattern (relative to the root), {T} is the type.
OUTPUTS = {
    "Batch+Scalar.swift.in": "Modules/SNSimd/Batch+{T}.swift",
    "Portable+Scalar.swift.in": "Modules/SNSimd/Portable+{T}.swift",
    "ScalarKernelTests.swift.in": "Tests/SNSimdTests/{T}KernelTests.swift",
}


def render(template: str, scalar: str) -> str:
    text = template.replace("__Scalar__", scalar)
    for token, value in TYPES[scalar].items():
        text = text.replace(token, value)
    return text


def generate(directory: str) -> list[str]:
    """Writes every output under `directory`, formatted; returns their relative paths."""
    written = []
    for name, pattern in OUTPUTS.items():
        with open(os.path.join(TEMPLATES, name)) as handle:
            template = handle.read()
        for scalar in TYPES:
            relative = pattern.format(T=scalar)
            path = os.path.join(directory, relative)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as handle:
                handle.write(render(template, scalar))
            written.append(relative)
    paths = [os.path.join(directory, relative) for relative in written]
    configuration = os.path.join(ROOT, ".swift-format")
    command = ["swift", "format", "format", "-i"]
    if os.path.exists(configuration):
        command += ["--configuration", configuration]
    subprocess.run(command + paths, check=True)
    return written


def main() -> int:
    if "--check" not in sys.argv[1:]:
        for relative in generate(ROOT):
            print("generated", relative)
        return 0
    with tempfile.TemporaryDirectory() as scratch:
        stale = []
        for relative in generate(scratch):
            with open(os.path.join(scratch, relative)) as fresh, open(os.path.join(ROOT, relative)) as old:
                if fresh.read() != old.read():
                    stale.append(relative)
    for relative in stale:
        print(f"stale: {relative} (run Tools/codegen/simd.py)", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
