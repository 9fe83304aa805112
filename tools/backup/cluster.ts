/**
 * Where a stack's app runs, and the few things the file backup does there, all through the
 * Kubernetes API with kubectl (the first on PATH): read a pod and a claim, and `kubectl exec`
 * one small shell script in a pod that lists, archives, empties or fills its claim's directory.
 *
 * The cluster is the one the stack's own outputs name (`pulumi stack output`): a local stack
 * exports its `kubeContext`, an EKS stack its `kubeconfig`. Nothing uses the ambient context, as
 * the program never does either.
 */
import { execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Readable } from "stream";
import { APP_NAME, APP_NAMESPACE, claimName, DATA_PATH, podName } from "../../components/sticky-app-contract";
import { NOT_DATA, Refusal } from "./manifest";

/** The stack's app as its outputs describe it. */
export interface StackApp {
    readonly stack: string;
    readonly environment: string;
    readonly replicas: number;
    /** What the progress lines call the cluster: the context, or the EKS cluster's name. */
    readonly cluster: string;
    /** Either a context in the caller's kubeconfig, or a whole kubeconfig (EKS). */
    readonly kubeContext?: string;
    readonly kubeconfig?: string;
}

/**
 * The app a stack deployed, from its outputs (`pulumi stack output --json`): how many pods, and
 * how to reach their cluster. The outputs' pod and claim names must be the app's names for each
 * ordinal ({@link podName}, {@link claimName} of {@link APP_NAME}), or this tool would copy from
 * or write to claims it does not know.
 */
export function stackApp(stack: string, outputs: Record<string, unknown>): StackApp {
    const { podNames, claimNames, environment, kubeContext, kubeconfig, clusterName } = outputs;
    if (!Array.isArray(podNames) || !Array.isArray(claimNames)) {
        throw new Refusal(`stack ${stack} has no app deployed`, [`its outputs have no podNames and claimNames (found: ${Object.keys(outputs).join(", ") || "none"}); run pulumi up --stack ${stack} first`]);
    }
    const expectedPods = podNames.map((_, i) => podName(APP_NAME, i));
    const expectedClaims = claimNames.map((_, i) => claimName(APP_NAME, i));
    if (JSON.stringify(podNames) !== JSON.stringify(expectedPods) || JSON.stringify(claimNames) !== JSON.stringify(expectedClaims) || podNames.length !== claimNames.length) {
        throw new Refusal(`stack ${stack}'s outputs name other pods or claims than this project makes`, [
            `podNames ${JSON.stringify(podNames)}, claimNames ${JSON.stringify(claimNames)}; expected ${JSON.stringify(expectedPods)} and ${JSON.stringify(expectedClaims)}`,
        ]);
    }
    const base = { stack, environment: typeof environment === "string" ? environment : "unknown", replicas: podNames.length };
    if (typeof kubeContext === "string" && kubeContext !== "") return { ...base, cluster: `context ${kubeContext}`, kubeContext };
    if (kubeconfig !== undefined && kubeconfig !== null && kubeconfig !== "[secret]") {
        const text = typeof kubeconfig === "string" ? kubeconfig : JSON.stringify(kubeconfig);
        return { ...base, cluster: `cluster ${typeof clusterName === "string" ? clusterName : "(from the stack's kubeconfig)"}`, kubeconfig: text };
    }
    throw new Refusal(`stack ${stack}'s outputs do not say which cluster it runs on`, [`no kubeContext output and no readable kubeconfig output (outputs: ${Object.keys(outputs).join(", ")})`]);
}

/** `pulumi stack output --json` of `stack`, run in the project at `root`; secrets shown only when asked. */
function stackOutputs(root: string, stack: string, showSecrets: boolean): Record<string, unknown> {
    try {
        const out = execFileSync("pulumi", ["stack", "output", "--json", "--stack", stack, "--non-interactive", ...(showSecrets ? ["--show-secrets"] : [])], {
            cwd: root,
            encoding: "utf8",
            stdio: ["ignore", "pipe", "pipe"],
            maxBuffer: 16 * 1024 * 1024,
        });
        return JSON.parse(out);
    } catch (error: any) {
        const detail = (error.stderr ?? error.message ?? String(error)).toString().trim();
        throw new Refusal(`cannot read stack ${stack}'s outputs`, [
            `pulumi stack output --stack ${stack} failed: ${detail}`,
            `pulumi reads the backend PULUMI_BACKEND_URL names${process.env.PULUMI_BACKEND_URL ? ` (${process.env.PULUMI_BACKEND_URL})` : " (unset: your pulumi login)"}; npm run dev:up keeps the dev stack in file://${path.join(root, ".pulumi-state")}`,
        ]);
    }
}

/** The app of `stack`, from its outputs; the kubeconfig secret is read only for a stack that has one (EKS). */
export function readStackApp(root: string, stack: string): StackApp {
    const outputs = stackOutputs(root, stack, false);
    return stackApp(stack, outputs.kubeconfig === "[secret]" && typeof outputs.kubeContext !== "string" ? stackOutputs(root, stack, true) : outputs);
}

/** What the pod-side script does with the claim's directory. */
export type PodAction = "list" | "archive" | "clear" | "extract";

/**
 * The one script every exec runs, in the pod's own `sh` (`sh -c SCRIPT sh DIR ACTION`): it takes
 * the directory's top-level entries but {@link NOT_DATA}, each as `./name` (so a name starting
 * with `-` is never read as an option, by GNU or BusyBox tools alike), then:
 *   list     prints them, one a line (to decide whether a claim is empty)
 *   archive  `tar -c` of them to stdout (nothing at all for an empty claim)
 *   clear    `rm -rf` them (a restore with --force)
 *   extract  `tar -x` of stdin, permissions as archived (-p), owned by the pod's user (-o)
 * The directory itself is never archived or extracted: it belongs to the volume (its owner and
 * mode are the provisioner's), and the pod's non-root user may not change it.
 */
export const POD_SCRIPT = [
    'cd "$1" || exit 3',
    'action=$2',
    "set --",
    "for f in * .[!.]* ..?*; do",
    `  if [ -e "$f" ] || [ -h "$f" ]; then case "$f" in ${NOT_DATA.join("|")}) ;; *) set -- "$@" "./$f" ;; esac; fi`,
    "done",
    'case "$action" in',
    "  list) for f; do printf '%s\\n' \"${f#./}\"; done ;;",
    '  archive) [ $# -eq 0 ] || exec tar -c -f - "$@" ;;',
    '  clear) [ $# -eq 0 ] || exec rm -rf "$@" ;;',
    "  extract) exec tar -x -p -o -f - ;;",
    "  *) exit 4 ;;",
    "esac",
].join("\n");

export interface ExecResult {
    readonly status: number;
    readonly stderr: string;
}

/** kubectl against one stack's cluster, in the app's namespace. */
export class Cluster {
    private readonly scope: string[];
    private readonly tempDir?: string;

    constructor(app: StackApp) {
        if (app.kubeconfig !== undefined) {
            // The EKS kubeconfig is a secret output: written for kubectl only, readable by this user only, removed on close().
            this.tempDir = fs.mkdtempSync(path.join(os.tmpdir(), "sticky-backup-"));
            const file = path.join(this.tempDir, "kubeconfig");
            fs.writeFileSync(file, app.kubeconfig, { mode: 0o600 });
            this.scope = ["--kubeconfig", file, "--namespace", APP_NAMESPACE];
        } else {
            this.scope = ["--context", app.kubeContext as string, "--namespace", APP_NAMESPACE];
        }
    }

    close(): void {
        if (this.tempDir) fs.rmSync(this.tempDir, { recursive: true, force: true });
    }

    /** `kubectl get KIND NAME -o json`, or undefined when it is not there. */
    get(kind: string, name: string): any {
        try {
            return JSON.parse(execFileSync("kubectl", [...this.scope, "get", kind, name, "-o", "json"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }));
        } catch (error: any) {
            const stderr = (error.stderr ?? "").toString();
            if (/NotFound|not found/.test(stderr)) return undefined;
            throw new Refusal(`kubectl get ${kind} ${name} failed`, [stderr.trim() === "" ? String(error.message) : stderr.trim()]);
        }
    }

    /**
     * Runs {@link POD_SCRIPT} with `action` in `pod`: stdin from `input` when given, each stdout
     * chunk to `output`. Resolves when kubectl exits and stdout is drained.
     */
    exec(pod: string, action: PodAction, io: { input?: Readable; output?: (chunk: Buffer) => void } = {}): Promise<ExecResult> {
        const args = [...this.scope, "exec", ...(io.input ? ["-i"] : []), pod, "--", "sh", "-c", POD_SCRIPT, "sh", DATA_PATH, action];
        return new Promise((resolve, reject) => {
            const child = spawn("kubectl", args, { stdio: [io.input ? "pipe" : "ignore", "pipe", "pipe"] });
            let stderr = "";
            child.stderr?.setEncoding("utf8").on("data", (chunk) => (stderr += chunk));
            child.stdout?.on("data", (chunk: Buffer) => io.output?.(chunk));
            child.on("error", reject);
            if (io.input && child.stdin) {
                // tar may stop reading early (a failure it reports on stderr); the exit status says so.
                child.stdin.on("error", () => undefined);
                io.input.on("error", (error) => {
                    child.kill();
                    reject(error);
                });
                io.input.pipe(child.stdin);
            }
            child.on("close", (code) => resolve({ status: code ?? -1, stderr: stderr.trim() }));
        });
    }
}
