"""Rewrites a .cu file of native/src/cuda into host C++ for the emulator
(test-only): __shared__ arrays -> emu::shared buffers, kernel<<<...>>>(args)
-> emu::launch(kernel, ..., args)."""
import re
import sys

src = open(sys.argv[1]).read()
src = src.replace("extern __shared__ float sm[];", "float* sm = emu::dynamic_shared<float>();")


def shared(m):
    ty, decls = m.group(1), m.group(2)
    out = []
    for name, size in re.findall(r"(\w+)\[([^\]]+)\]", decls):
        out.append(f"{ty}* {name} = emu::shared<{ty}>({size}, __COUNTER__);")
    return " ".join(out)


src = re.sub(r"__shared__\s+(\w+)\s+([^;]+);", shared, src)
src = re.sub(r"([\w:]+(?:<[^<>;]*>)?)<<<(.*?)>>>\(", r"emu::launch(\1, \2, ", src)
src = src.replace("emu::launch(", "emu::launch(").replace(", )", ")")
open(sys.argv[2], "w").write(src)
