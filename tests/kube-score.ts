/**
 * `npm run kube-score`: kube-score, a standard nobody on this project wrote, on the manifests of
 * both committed stacks.
 *
 *   npm run kube-score                       # dev and prod; fails on any CRITICAL finding
 *   npm run kube-score -- --out DIR          # also keep the rendered YAML in DIR
 *   npm run kube-score -- --kube-score PATH  # another kube-score binary
 *
 * The manifests are rendered the way the unit tests run the program: index.ts under Pulumi's
 * mocks with the committed Pulumi.<stack>.yaml over Pulumi.yaml's defaults (tests/harness.ts),
 * each Kubernetes object the program registers written as YAML with the inputs it sends. Objects
 * it only reads (the local cluster's StorageClass) are the cluster's, not the stack's, and are
 * left out; AWS resources are not Kubernetes objects.
 *
 * It fails when:
 * - kube-score reports a CRITICAL finding (its own exit status, and its `ci` output read back);
 * - a check is declined with `kube-score/ignore` but the table of what the component adds
 *   (docs/architecture.md) does not name it with a reason;
 * - the gate cannot fail: each time, it also scores the dev manifests with one fix taken back
 *   (the ignore annotation, the NetworkPolicy, the distinct liveness probe) and requires
 *   kube-score to report that check CRITICAL and exit non-zero.
 *
 * kube-score comes from the offline toolchain (`bash toolchain/build.sh kube-score`,
 * .toolchain/bin/kube-score).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as os from "os";
import * as path from "path";
import { ROOT, runStack } from "./harness";

/** The stacks whose committed files are scored. */
export const STACKS = ["dev", "prod"] as const;
/** The rules kube-score applies depend on the version it is told; the test cluster runs 1.34. */
const KUBERNETES_VERSION = "v1.34";
const IGNORE_ANNOTATION = "kube-score/ignore";
const HELM_CHART = "kubernetes:helm.sh/v4:Chart";

export type Manifest = Record<string, any>;

/**
 * The program's Kubernetes objects as manifests, in registration order. Patch resources
 * (`NamespacePatch`) render as the kind they patch, with the fields they set; auto-named objects
 * under their Pulumi name.
 */
export async function renderStack(stack: string): Promise<Manifest[]> {
    const run = await runStack(stack);
    return run.resources
        // A Helm chart is a component: the provider renders its objects at deploy time, not here.
        .filter((resource) => resource.type.startsWith("kubernetes:") && !resource.read && resource.type !== HELM_CHART)
        .map((resource) => {
            const { apiVersion, kind, ...rest } = resource.inputs;
            if (typeof apiVersion !== "string" || typeof kind !== "string") {
                throw new Error(`${resource.type}::${resource.name} has no apiVersion or kind among its inputs`);
            }
            // An auto-named object (the liveness ConfigMap) gets its Pulumi name here; the provider
            // adds a random suffix to it at deploy time.
            const metadata = { ...rest.metadata, name: rest.metadata?.name ?? resource.name };
            return { apiVersion, kind, ...rest, metadata };
        });
}

/** Manifests as one multi-document YAML file. */
export function toYaml(manifests: Manifest[]): string {
    return manifests.map((manifest) => yaml.dump(manifest, { noRefs: true, lineWidth: -1, sortKeys: false })).join("---\n");
}

/** kube-score's grades (its JSON output's numbers). */
const GRADES: Record<number, string> = { 1: "CRITICAL", 5: "WARNING", 7: "ALMOST_OK", 10: "OK" };

/** One check's result on one object, from kube-score's JSON output (format v2). */
export interface Finding {
    readonly object: string;
    readonly check: string;
    readonly grade: string;
    readonly skipped: boolean;
    readonly comments: string[];
}

export function parseJsonOutput(output: string): Finding[] {
    const objects = JSON.parse(output) as any[];
    return objects.flatMap((object) =>
        (object.checks as any[]).map((result) => ({
            object: `${object.type_meta?.kind}/${object.object_meta?.name}`,
            check: result.check.id as string,
            grade: GRADES[result.grade as number] ?? `grade ${result.grade}`,
            skipped: result.skipped === true,
            comments: ((result.comments ?? []) as any[]).map((c) => `${c.path ? `${c.path}: ` : ""}${c.summary}`),
        })),
    );
}

/** Findings that count: not skipped (ignored or optional checks are reported as skipped). */
export const counted = (findings: Finding[]): Finding[] => findings.filter((f) => !f.skipped);

/** Check ids declined through `kube-score/ignore` on any manifest. */
export function declinedChecks(manifests: Manifest[]): string[] {
    const ids = manifests.flatMap((manifest) =>
        [manifest.metadata?.annotations?.[IGNORE_ANNOTATION], manifest.spec?.template?.metadata?.annotations?.[IGNORE_ANNOTATION]]
            .filter((value): value is string => typeof value === "string")
            .flatMap((value) => value.split(",").map((id) => id.trim())),
    );
    return [...new Set(ids)].filter((id) => id !== "").sort();
}

/** The document whose table gives each declined check its reason, relative to the project root. */
export const DECLINES_DOC = "docs/architecture.md";
const DECLINES_HEADING = "What the component adds to the article, and why";

/**
 * The table in DECLINES_DOC headed "What the component adds to the article, and why": its rows.
 * A declined check must appear in a row as `kube-score/ignore: <check>` with a reason beside it.
 */
export function undocumentedDeclines(doc: string, ids: string[]): string[] {
    const heading = doc.indexOf(DECLINES_HEADING);
    if (heading < 0) return ids.map((id) => `${id}: ${DECLINES_DOC} has no "${DECLINES_HEADING}" table`);
    const rows: string[] = [];
    for (const line of doc.slice(heading).split("\n").slice(1)) {
        if (line.startsWith("|")) rows.push(line);
        else if (rows.length > 0 && line.trim() === "") break;
    }
    return ids.flatMap((id) => {
        const row = rows.find((r) => r.includes(`kube-score/ignore: ${id}`));
        if (row === undefined) return [`${id} is declined (kube-score/ignore) but no row of ${DECLINES_DOC}'s table names "kube-score/ignore: ${id}"`];
        const reason = row.split("|")[2]?.trim() ?? "";
        return reason.length < 20 ? [`${id}: ${DECLINES_DOC}'s row gives no reason (its second column is "${reason}")`] : [];
    });
}

export interface Score {
    readonly status: number;
    readonly output: string;
    readonly findings: Finding[];
}

/** Runs `kube-score score` on one YAML file. */
export function score(kubeScore: string, file: string): Score {
    const result = spawnSync(kubeScore, ["score", "--kubernetes-version", KUBERNETES_VERSION, "--output-format", "json", file], {
        encoding: "utf8",
    });
    if (result.error) throw new Error(`cannot run ${kubeScore}: ${result.error.message}`);
    let findings: Finding[];
    try {
        findings = parseJsonOutput(result.stdout);
    } catch {
        throw new Error(`kube-score exited ${result.status} without JSON output:\n${result.stdout}${result.stderr}`);
    }
    return { status: result.status ?? -1, output: result.stderr, findings };
}

/** A manifest set with one fix taken back, and the CRITICAL check that must then appear. */
export interface Mutant {
    readonly name: string;
    readonly check: string;
    readonly mutate: (manifests: Manifest[]) => Manifest[];
}

const copy = (manifests: Manifest[]): Manifest[] => JSON.parse(JSON.stringify(manifests));
const statefulSetOf = (manifests: Manifest[]): Manifest => {
    const found = manifests.find((m) => m.kind === "StatefulSet");
    if (!found) throw new Error("the rendered manifests hold no StatefulSet");
    return found;
};

export const MUTANTS: Mutant[] = [
    {
        name: "without the kube-score/ignore annotation",
        check: "container-image-pull-policy",
        mutate: (manifests) => {
            const out = copy(manifests);
            delete statefulSetOf(out).metadata?.annotations?.[IGNORE_ANNOTATION];
            return out;
        },
    },
    {
        name: "without the NetworkPolicy",
        check: "pod-networkpolicy",
        mutate: (manifests) => copy(manifests).filter((m) => m.kind !== "NetworkPolicy"),
    },
    {
        name: "with the readiness probe as liveness probe",
        check: "pod-probes-identical",
        mutate: (manifests) => {
            const out = copy(manifests);
            for (const container of statefulSetOf(out).spec.template.spec.containers) container.livenessProbe = container.readinessProbe;
            return out;
        },
    },
];

function arg(name: string): string | undefined {
    const index = process.argv.indexOf(name);
    return index >= 0 ? process.argv[index + 1] : undefined;
}

async function main(): Promise<number> {
    const kubeScore = arg("--kube-score") ?? path.join(ROOT, ".toolchain", "bin", "kube-score");
    if (!fs.existsSync(kubeScore)) {
        console.error(`kube-score: ${kubeScore} is missing; build it with: bash toolchain/build.sh kube-score`);
        return 2;
    }
    const keep = arg("--out");
    const outDir = keep ?? fs.mkdtempSync(path.join(os.tmpdir(), "sticky-kube-score-"));
    fs.mkdirSync(outDir, { recursive: true });
    try {
        return await scoreAll(kubeScore, outDir);
    } finally {
        if (keep === undefined) fs.rmSync(outDir, { recursive: true, force: true });
    }
}

/** Scores both stacks and the self-checks into `outDir`; 0 when all is well. */
async function scoreAll(kubeScore: string, outDir: string): Promise<number> {
    const declinesDoc = fs.readFileSync(path.join(ROOT, DECLINES_DOC), "utf8");
    const problems: string[] = [];
    let devManifests: Manifest[] = [];

    for (const stack of STACKS) {
        const manifests = await renderStack(stack);
        if (stack === "dev") devManifests = manifests;
        const file = path.join(outDir, `${stack}.yaml`);
        fs.writeFileSync(file, toYaml(manifests));
        const result = score(kubeScore, file);
        const kinds = manifests.map((m) => `${m.kind}/${m.metadata?.name}`).join(", ");
        console.log(`== stack ${stack}: ${manifests.length} objects (${kinds}) -> ${file}`);
        const findings = counted(result.findings);
        for (const f of findings.filter((finding) => finding.grade !== "OK")) {
            console.log(`   [${f.grade}] ${f.object} ${f.check}: ${f.comments.join("; ")}`);
        }
        const passed = findings.filter((f) => f.grade === "OK").length;
        console.log(`   ${passed} of ${findings.length} checks OK; declined (kube-score/ignore): ${declinedChecks(manifests).join(", ") || "none"}`);
        const critical = findings.filter((f) => f.grade === "CRITICAL");
        if (critical.length > 0 || result.status !== 0) {
            problems.push(`stack ${stack}: kube-score exited ${result.status} with ${critical.length} CRITICAL finding(s)${result.output ? `: ${result.output}` : ""}`);
        }
        for (const problem of undocumentedDeclines(declinesDoc, declinedChecks(manifests))) problems.push(`stack ${stack}: ${problem}`);
    }

    // The gate must be able to fail: each fix taken back must turn it red, naming its check.
    for (const mutant of MUTANTS) {
        const file = path.join(outDir, `dev-${mutant.check}.yaml`);
        fs.writeFileSync(file, toYaml(mutant.mutate(devManifests)));
        const result = score(kubeScore, file);
        const named = counted(result.findings).some((f) => f.grade === "CRITICAL" && f.check === mutant.check);
        console.log(`== self-check, dev ${mutant.name}: kube-score exited ${result.status}, CRITICAL ${mutant.check} ${named ? "reported" : "MISSING"}`);
        if (result.status === 0 || !named) {
            problems.push(`self-check: dev ${mutant.name} must make kube-score exit non-zero with CRITICAL ${mutant.check}; it exited ${result.status}`);
        }
    }

    if (problems.length > 0) {
        console.error(`\nkube-score: ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        return 1;
    }
    console.log(`\nkube-score: no CRITICAL finding in either stack; every declined check has its reason in ${DECLINES_DOC}; each self-check failed as it must`);
    return 0;
}

if (require.main === module) {
    main().then(
        (code) => process.exit(code),
        (error) => {
            console.error(error);
            process.exit(1);
        },
    );
}
