import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
/** The shared cases in tests/vectors (compiled tests run from dist/test). */
export function loadVectors() {
    const path = process.env.INBOUNDFLOW_VECTORS ??
        fileURLToPath(new URL("../../../../tests/vectors/signatures.json", import.meta.url));
    const cases = JSON.parse(readFileSync(path, "utf8")).cases;
    if (cases.length === 0)
        throw new Error("no vectors");
    return cases;
}
//# sourceMappingURL=vectors.js.map