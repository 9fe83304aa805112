/**
 * Fake nodes for the test cluster, when a benchmark needs more pods than the one real node should
 * run on a shared 2-core machine: KWOK's controller (`kwok`, built by toolchain/build.sh with
 * kwokctl) started for the run, managing only nodes annotated `kwok.x-k8s.io/node: fake`, with
 * its built-in "fast" stages: a pod bound to such a node is Running and Ready at once, with an
 * address from its own range, and nothing runs. The real node and its pods are untouched; the
 * scheduler places pods over both (the StatefulSet's spread rule evens them out), and the caller
 * says how many landed where.
 */
import { spawn, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { KUBECONFIG, ROOT, TEST_CONTEXT, waitFor, Workspace } from "./lib";

export const FAKE_NODE_ANNOTATION = "kwok.x-k8s.io/node";
const FAKE_NODE_LABEL = "sticky.test/fake-node";

export class KwokNodes {
    private constructor(
        private readonly ws: Workspace,
        private readonly controller: ChildProcess,
        readonly names: readonly string[],
    ) {}

    /** Starts the controller and `count` fake nodes, each as big as the real node; resolves once they are Ready. */
    static async start(ws: Workspace, count: number): Promise<KwokNodes> {
        const logFile = path.join(ws.dir, "kwok.log");
        const log = fs.openSync(logFile, "a");
        // An empty configuration: the built-in stages, and nothing read from ~/.kwok.
        const config = path.join(ws.dir, "kwok.yaml");
        fs.writeFileSync(config, "");
        const controller = spawn(
            path.join(ROOT, ".toolchain", "bin", "kwok"),
            [
                `--kubeconfig=${KUBECONFIG}`,
                `--config=${config}`,
                "--manage-all-nodes=false",
                `--manage-nodes-with-annotation-selector=${FAKE_NODE_ANNOTATION}=fake`,
                "--manage-nodes-with-label-selector=",
                // Pod addresses apart from the real node's bridge (10.244.0.0/24).
                "--cidr=10.245.0.0/24",
                "--node-ip=10.245.0.1",
            ],
            { stdio: ["ignore", log, log] },
        );
        fs.closeSync(log);
        const names = Array.from({ length: count }, (_, i) => `kwok-node-${i}`);
        const nodes = new KwokNodes(ws, controller, names);
        try {
            const real = ws.get("nodes", "sticky-node").status;
            const resources = { cpu: real.allocatable.cpu, memory: real.allocatable.memory, pods: real.allocatable.pods, "ephemeral-storage": real.allocatable["ephemeral-storage"] };
            const items = names.map((name) => ({
                apiVersion: "v1",
                kind: "Node",
                metadata: {
                    name,
                    annotations: { [FAKE_NODE_ANNOTATION]: "fake" },
                    labels: { "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64", [FAKE_NODE_LABEL]: "true" },
                },
                status: { allocatable: resources, capacity: resources },
            }));
            const file = path.join(ws.dir, "kwok-nodes.json");
            fs.writeFileSync(file, JSON.stringify({ apiVersion: "v1", kind: "List", items }));
            ws.kubectl("apply", "-f", file);
            await waitFor(`${count} KWOK nodes Ready (controller log: ${logFile})`, 120, () => {
                if (controller.exitCode !== null) throw new Error(`kwok exited ${controller.exitCode}: ${fs.readFileSync(logFile, "utf8").slice(-2000)}`);
                const ready = (ws.get("nodes", "-l", `${FAKE_NODE_LABEL}=true`).items as any[]).filter((n) =>
                    (n.status.conditions ?? []).some((c: any) => c.type === "Ready" && c.status === "True"),
                );
                return ready.length === count ? true : undefined;
            });
            return nodes;
        } catch (error) {
            nodes.stop();
            throw error;
        }
    }

    /** Deletes the fake nodes and stops the controller (the app's pods must be gone first). */
    stop(): void {
        this.ws.run("kubectl", ["--context", TEST_CONTEXT, "delete", "nodes", "-l", `${FAKE_NODE_LABEL}=true`, "--ignore-not-found", "--wait=false"]);
        this.controller.kill("SIGTERM");
    }
}
