/**
 * The house's layers, read from the code's own imports: each module imports only from the layers
 * below it (or from its own), no two modules import each other in a circle, and the pure modules
 * (what settings, the policy pack and the review load) import nothing of Pulumi's SDKs, so that
 * loading them never parses one. docs/architecture.md draws the same picture.
 *
 *   core/            the vocabulary: Kubernetes shapes and type tokens, quantities, config keys, drain timing
 *   components/      the app (StickyApp and its pieces)         -> core
 *   environments/    where it runs (local, EKS)                  -> core
 *   stack/           settings and deployment history             -> core, components, environments
 *   policy/          the policy pack                             -> core, environments (definitions)
 *   index.ts         the program                                 -> all of the above
 *   tools/           operator and CI tools beside the product    -> core, components, environments, stack
 *   tests/, e2e/     may import anything; nothing above imports them
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "./harness";

type Layer = "core" | "components" | "environments" | "stack" | "policy" | "program" | "tools" | "tests";

const MAY_IMPORT: Record<Layer, readonly Layer[]> = {
    core: [],
    components: ["core"],
    environments: ["core"],
    stack: ["core", "components", "environments"],
    policy: ["core", "environments"],
    program: ["core", "components", "environments", "stack"],
    tools: ["core", "components", "environments", "stack"],
    tests: ["core", "components", "environments", "stack", "policy", "program", "tools", "tests"],
};

/**
 * Modules that must load without any Pulumi SDK: they import only Node's own modules and other
 * pure modules (and `@pulumi/policy` for the pack, whose host loads it anyway).
 */
const PURE = [
    /^core\//,
    /^components\/(sticky-app-contract|claim-size)\.ts$/,
    /^environments\/(definition|registry)\.ts$/,
    /^environments\/[^/]+\/(definition|storage-rule|addon-versions|principals|versions|nodes|zones|load-balancer|backup-rules)\.ts$/,
    /^stack\/(settings|plan)\.ts$/,
    /^policy\//,
    /^tools\/review\//,
];

function layerOf(file: string): Layer {
    if (file === "index.ts") return "program";
    const top = file.split("/")[0];
    if (["core", "components", "environments", "stack", "policy", "tools"].includes(top)) return top as Layer;
    if (top === "tests" || top === "e2e") return "tests";
    throw new Error(`${file}: in no layer`);
}

/** Every TypeScript or JavaScript module of the project, relative to the root. */
function projectFiles(): string[] {
    const files: string[] = [];
    const walk = (dir: string) => {
        for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
            const rel = dir === "" ? entry.name : `${dir}/${entry.name}`;
            if (entry.isDirectory()) {
                if (!["node_modules", "bin", ".toolchain", ".cluster", ".git", "fixtures", "toolchain", "test-cluster", "docs"].includes(entry.name) && !entry.name.startsWith(".")) walk(rel);
            } else if (/\.(ts|mjs)$/.test(entry.name) && !entry.name.endsWith(".d.ts")) {
                files.push(rel);
            }
        }
    };
    walk("");
    return files.filter((f) => f !== "eslint.config.mjs");
}

/** The modules a file imports: project files by their path, packages by their name. */
function importsOf(file: string): { project: string[]; packages: string[] } {
    const source = fs.readFileSync(path.join(ROOT, file), "utf8");
    const specifiers = [...source.matchAll(/^\s*(?:import|export)\s[^;]*?\sfrom\s+"([^"]+)"|^\s*import\s+"([^"]+)"/gm)].map((m) => m[1] ?? m[2]);
    const project: string[] = [];
    const packages: string[] = [];
    for (const specifier of specifiers) {
        if (!specifier.startsWith(".")) {
            packages.push(specifier);
            continue;
        }
        const base = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
        const found = [`${base}.ts`, `${base}/index.ts`, base].find((candidate) => fs.existsSync(path.join(ROOT, candidate)) && fs.statSync(path.join(ROOT, candidate)).isFile());
        if (found === undefined) throw new Error(`${file}: cannot resolve ${specifier}`);
        project.push(found);
    }
    return { project, packages };
}

type Graph = ReadonlyMap<string, { project: string[]; packages: string[] }>;

/** Imports that run up: to a layer the importing one may not import. */
function upwardImports(graph: Graph): string[] {
    return [...graph].flatMap(([file, { project }]) =>
        project
            .filter((target) => layerOf(target) !== layerOf(file) && !MAY_IMPORT[layerOf(file)].includes(layerOf(target)))
            .map((target) => `${file} (${layerOf(file)}) -> ${target} (${layerOf(target)})`),
    );
}

/** Every circle of imports, as the trail that closes it. */
function circles(graph: Graph): string[] {
    const found: string[] = [];
    const state = new Map<string, "open" | "done">();
    const visit = (file: string, trail: string[]) => {
        if (state.get(file) === "done") return;
        if (state.get(file) === "open") {
            found.push([...trail.slice(trail.indexOf(file)), file].join(" -> "));
            return;
        }
        state.set(file, "open");
        for (const target of graph.get(file)?.project ?? []) visit(target, [...trail, file]);
        state.set(file, "done");
    };
    for (const file of graph.keys()) visit(file, []);
    return found;
}

/** Pure modules that import a Pulumi SDK, or a module that is not pure. */
function impureImports(graph: Graph): string[] {
    return [...graph]
        .filter(([file]) => PURE.some((p) => p.test(file)))
        .flatMap(([file, { project, packages }]) => [
            ...packages.filter((p) => p.startsWith("@pulumi/") && p !== "@pulumi/policy").map((p) => `${file} -> ${p}`),
            ...project.filter((target) => !PURE.some((p) => p.test(target))).map((target) => `${file} -> ${target}`),
        ]);
}

describe("the house's layers (read from the imports)", () => {
    const files = projectFiles();
    const graph: Graph = new Map(files.map((file) => [file, importsOf(file)]));

    it("finds the product, the tools and the tests", () => {
        for (const expected of ["index.ts", "core/kubernetes.ts", "components/sticky-app.ts", "environments/registry.ts", "stack/settings.ts", "policy/policies.ts", "tools/review/review.ts", "tests/harness.ts"]) {
            assert.ok(files.includes(expected), `${expected} was not read`);
        }
    });

    it("every import goes to the module's own layer or one below it", () => assert.deepStrictEqual(upwardImports(graph), []));

    it("the environments do not know the app, and the app does not know the environments", () => {
        const crossing = files.flatMap((file) =>
            graph.get(file)!.project
                .filter((target) => [layerOf(file), layerOf(target)].sort().join() === "components,environments")
                .map((target) => `${file} -> ${target}`),
        );
        assert.deepStrictEqual(crossing, []);
    });

    it("the policy pack reads only the environments' definitions, never their resources", () => {
        const reached = files
            .filter((file) => layerOf(file) === "policy")
            .flatMap((file) => graph.get(file)!.project.filter((target) => layerOf(target) === "environments" && !PURE.some((p) => p.test(target))));
        assert.deepStrictEqual(reached, []);
    });

    it("no circle: no module reaches itself through its imports", () => assert.deepStrictEqual(circles(graph), []));

    it("pure modules import no Pulumi SDK, and only other pure modules of the project", () => assert.deepStrictEqual(impureImports(graph), []));

    it("the checks fail on a house that has an upward import, a circle and an impure import", () => {
        const bad: Graph = new Map([
            ["core/kubernetes.ts", { project: ["components/sticky-app.ts"], packages: [] }],
            ["components/sticky-app.ts", { project: ["core/kubernetes.ts"], packages: ["@pulumi/kubernetes"] }],
            ["stack/settings.ts", { project: [], packages: ["@pulumi/pulumi"] }],
        ]);
        assert.deepStrictEqual(upwardImports(bad), ["core/kubernetes.ts (core) -> components/sticky-app.ts (components)"]);
        assert.deepStrictEqual(circles(bad), ["core/kubernetes.ts -> components/sticky-app.ts -> core/kubernetes.ts"]);
        assert.deepStrictEqual(impureImports(bad), ["core/kubernetes.ts -> components/sticky-app.ts", "stack/settings.ts -> @pulumi/pulumi"]);
    });
});
