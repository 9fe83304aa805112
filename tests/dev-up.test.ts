/**
 * The front door, `npm run dev:up` (tools/dev-up.sh with tools/dev-up.mjs): without a Pulumi CLI
 * on PATH it installs the version the project pins into .pulumi-cli/ (once), and a kube context
 * the kubeconfig lacks is explained with the local clusters it has and the commands for each.
 *
 * The install itself downloads get.pulumi.com's installer (Pulumi's Automation API,
 * `PulumiCommand.install`), which no machine these tests run on can reach: the install is tested
 * with a stand-in that writes the CLI where the real one would, and the script around it with
 * stand-in `pulumi` and `kubectl` commands on PATH. The path with a real CLI on PATH (the
 * toolchain's) is the dev-stack e2e (e2e/dev-stack.e2e.ts).
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import { createRequire } from "module";
import * as os from "os";
import * as path from "path";
import { ROOT } from "./harness";

interface DevUp {
    INSTALL_ROOT: string;
    pinnedPulumiVersion(root?: string): string;
    pulumiFolder(opts: { onPath: boolean; root?: string; version?: string; install: (opts: { root: string; version: string }) => Promise<void> }): Promise<string | undefined>;
    missingContextMessage(context: string, contexts: string[], opts?: { pulumi?: string; backend?: string }): string;
}
const SCRIPT = path.join(ROOT, "tools", "dev-up.mjs");
const devUp = createRequire(__filename)(SCRIPT) as DevUp;
const PACKAGE = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));

function tempDir(): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), "dev-up-"));
}

/** Writes an executable shell script. */
function script(file: string, body: string): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
}

describe("npm run dev:up: a Pulumi CLI of the pinned version", () => {
    it("pins the SDK's exact version, the one the offline toolchain builds", () => {
        assert.strictEqual(devUp.pinnedPulumiVersion(), PACKAGE.dependencies["@pulumi/pulumi"]);
        const versions = fs.readFileSync(path.join(ROOT, "toolchain", "versions.env"), "utf8");
        assert.strictEqual(/^PULUMI_VERSION=(\S+)$/m.exec(versions)?.[1], devUp.pinnedPulumiVersion());
        assert.strictEqual(devUp.INSTALL_ROOT, path.join(ROOT, ".pulumi-cli"));
        assert.ok(fs.readFileSync(path.join(ROOT, ".gitignore"), "utf8").split("\n").includes(".pulumi-cli/"), "the installed CLI is not committed");
    });

    it("uses the pulumi on PATH as it is: nothing installed", async () => {
        const installs: unknown[] = [];
        assert.strictEqual(await devUp.pulumiFolder({ onPath: true, root: tempDir(), install: async (o) => void installs.push(o) }), undefined);
        assert.deepStrictEqual(installs, []);
    });

    it("without one, installs the pinned version into the project's folder once, and finds it there after", async () => {
        const root = path.join(tempDir(), ".pulumi-cli");
        const installs: { root: string; version: string }[] = [];
        const standIn = async (opts: { root: string; version: string }) => {
            installs.push(opts);
            script(path.join(opts.root, "bin", "pulumi"), `echo v${opts.version}`);
        };
        const folder = await devUp.pulumiFolder({ onPath: false, root, install: standIn });
        assert.strictEqual(folder, path.join(root, "bin"));
        assert.deepStrictEqual(installs, [{ root, version: PACKAGE.dependencies["@pulumi/pulumi"] }]);
        assert.strictEqual(await devUp.pulumiFolder({ onPath: false, root, install: standIn }), folder);
        assert.strictEqual(installs.length, 1, "the second run installs nothing");
    });

    it("an install that leaves no CLI is an error naming the version and the folder", async () => {
        const root = path.join(tempDir(), ".pulumi-cli");
        await assert.rejects(devUp.pulumiFolder({ onPath: false, root, version: "3.276.0", install: async () => undefined }), {
            message: `installing Pulumi 3.276.0 into ${root} left no ${path.join(root, "bin", "pulumi")}`,
        });
    });
});

describe("npm run dev:up: a kube context the kubeconfig lacks", () => {
    it("names each local cluster it has, with the commands that point the dev stack at it", () => {
        assert.strictEqual(
            devUp.missingContextMessage("docker-desktop", ["prod-admin", "kind-kind", "minikube"], { pulumi: "/p/.pulumi-cli/bin/pulumi", backend: "file:///p/.pulumi-state" }),
            [
                'error: sticky:kubeContext = "docker-desktop" is not a context in your kubeconfig.',
                "       Local clusters in it: kind-kind (kind), minikube (minikube). To deploy to one:",
                "",
                "       export PULUMI_BACKEND_URL=file:///p/.pulumi-state PULUMI_CONFIG_PASSPHRASE=",
                "",
                "       # kind: start cloud-provider-kind first: the LoadBalancer needs it",
                "       /p/.pulumi-cli/bin/pulumi config set sticky:kubeContext kind-kind --stack dev",
                "       /p/.pulumi-cli/bin/pulumi config set sticky:storageClassName standard --stack dev",
                "",
                "       # minikube: run `minikube tunnel` first: the LoadBalancer needs it",
                "       /p/.pulumi-cli/bin/pulumi config set sticky:kubeContext minikube --stack dev",
                "       /p/.pulumi-cli/bin/pulumi config set sticky:storageClassName standard --stack dev",
                "",
                "       then run npm run dev:up again (README.md, Other local clusters).",
            ].join("\n"),
        );
    });

    it("the class for each local cluster is the README's", () => {
        const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
        const table = readme.slice(readme.indexOf("## Other local clusters"), readme.indexOf("## Prod on EKS"));
        for (const [context, storageClassName] of [["docker-desktop", "hostpath"], ["kind-dev", "standard"], ["k3d-dev", "local-path"], ["rancher-desktop", "local-path"], ["minikube", "standard"], ["sticky-test", "hostpath"]]) {
            assert.ok(devUp.missingContextMessage("x", [context]).includes(`pulumi config set sticky:storageClassName ${storageClassName} --stack dev`), context);
            const row = table.split("\n").find((line) => line.startsWith("| ") && line.includes(`\`${context.replace(/-dev$/, "-<name>")}\``));
            assert.ok(row?.includes(`\`${storageClassName}\``), `README row for ${context}: ${row}`);
        }
    });

    it("with no local cluster, says how to get one", () => {
        assert.match(devUp.missingContextMessage("docker-desktop", ["prod"]), /It has no local cluster's \(contexts: prod\)\.\n {7}Enable Kubernetes in Docker Desktop, or start kind, k3d, Rancher Desktop or minikube/);
        assert.match(devUp.missingContextMessage("docker-desktop", []), /It has no contexts\./);
    });
});

describe("npm run dev:up: the script, with stand-in pulumi and kubectl", () => {
    /** A copy of the project's front door in a folder of its own, so a .pulumi-cli/ there is the test's. */
    function project(): string {
        const dir = tempDir();
        for (const file of ["tools/dev-up.sh", "tools/dev-up.mjs", "package.json"]) {
            fs.mkdirSync(path.join(dir, path.dirname(file)), { recursive: true });
            fs.copyFileSync(path.join(ROOT, file), path.join(dir, file));
        }
        fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
        return dir;
    }
    const PULUMI = 'case "$1" in version) echo v3.276.0;; stack) ;; config) echo "${CONTEXT:-docker-desktop}";; up) echo "pulumi $* from $0";; esac';
    const KUBECTL = 'if [ "$3" = "-o" ]; then printf "kind-kind\\nprod\\n"; else [ "$3" = "kind-kind" ]; fi';

    function devUpRun(dir: string, pathDirs: string[], env: Record<string, string> = {}) {
        const node = path.dirname(process.execPath);
        return spawnSync("bash", [path.join(dir, "tools", "dev-up.sh"), "--yes"], {
            encoding: "utf8",
            env: { HOME: dir, PATH: [...pathDirs, node, "/usr/bin", "/bin"].join(":"), ...env },
        });
    }

    it("with a pulumi on PATH, deploys with it to a context the kubeconfig has", () => {
        const dir = project();
        const standIns = path.join(dir, "stand-ins");
        script(path.join(standIns, "pulumi"), PULUMI);
        script(path.join(standIns, "kubectl"), KUBECTL);
        const run = devUpRun(dir, [standIns], { CONTEXT: "kind-kind" });
        assert.strictEqual(run.status, 0, run.stderr);
        assert.strictEqual(run.stdout.trim(), `pulumi up --stack dev --yes from ${path.join(standIns, "pulumi")}`);
        assert.ok(!fs.existsSync(path.join(dir, ".pulumi-cli")), "nothing installed");
    });

    it("without one, uses the pinned CLI installed in .pulumi-cli/, and names the local clusters for a missing context", () => {
        const dir = project();
        script(path.join(dir, ".pulumi-cli", "bin", "pulumi"), PULUMI);
        const standIns = path.join(dir, "stand-ins");
        script(path.join(standIns, "kubectl"), KUBECTL);
        const run = devUpRun(dir, [standIns]);
        assert.strictEqual(run.status, 1, run.stdout);
        assert.match(run.stderr, /sticky:kubeContext = "docker-desktop" is not a context in your kubeconfig\.\n {7}Local clusters in it: kind-kind \(kind\)\./);
        assert.ok(run.stderr.includes(`export PULUMI_BACKEND_URL=file://${dir}/.pulumi-state PULUMI_CONFIG_PASSPHRASE=`), run.stderr);
        assert.ok(run.stderr.includes(`${dir}/.pulumi-cli/bin/pulumi config set sticky:kubeContext kind-kind --stack dev`), run.stderr);
        const deployed = devUpRun(dir, [standIns], { CONTEXT: "kind-kind" });
        assert.strictEqual(deployed.stdout.trim(), `pulumi up --stack dev --yes from ${path.join(dir, ".pulumi-cli", "bin", "pulumi")}`, deployed.stderr);
    });
});
