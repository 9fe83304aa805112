#!/usr/bin/env node
// The two things tools/dev-up.sh (`npm run dev:up`) asks before it deploys the dev stack:
//
//   node tools/dev-up.mjs pulumi
//       Prints the folder to put first on PATH for a Pulumi CLI, or nothing when the one on PATH
//       will do. Without one on PATH, the version the project pins (package.json's
//       @pulumi/pulumi, the SDK the program runs with) is installed into .pulumi-cli/ with the
//       Automation API's PulumiCommand.install (it downloads get.pulumi.com's installer), once;
//       later runs find it there.
//   node tools/dev-up.mjs missing-context [--pulumi CMD] [--backend URL] <context> [<context in the kubeconfig>...]
//       Explains a sticky:kubeContext that the kubeconfig does not have: the local clusters it
//       does have, each with the exact commands that point the dev stack at it (with the CLI
//       and the state backend dev-up.sh uses, so they work in a plain shell).
//
// Exports the same as functions, for tests/dev-up.test.ts (which installs with a stand-in).

import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Where the pinned CLI is installed, in the project (.gitignore'd). */
export const INSTALL_ROOT = path.join(ROOT, ".pulumi-cli");

/** The Pulumi version the project pins: its SDK's, exact in package.json. */
export function pinnedPulumiVersion(root = ROOT) {
    const version = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).dependencies["@pulumi/pulumi"];
    if (!/^\d+\.\d+\.\d+$/.test(version)) throw new Error(`package.json pins @pulumi/pulumi as ${JSON.stringify(version)}, not an exact version`);
    return version;
}

/**
 * The folder of a Pulumi CLI to use: undefined when `onPath` says one is on PATH (it is used as
 * it is), else `root`/bin, after `install({ root, version })` when it holds none yet.
 */
export async function pulumiFolder({ onPath, root = INSTALL_ROOT, version = pinnedPulumiVersion(), install }) {
    if (onPath) return undefined;
    const bin = path.join(root, "bin");
    if (!fs.existsSync(path.join(bin, "pulumi"))) {
        await install({ root, version });
        if (!fs.existsSync(path.join(bin, "pulumi"))) throw new Error(`installing Pulumi ${version} into ${root} left no ${path.join(bin, "pulumi")}`);
    }
    return bin;
}

/** The local clusters a context's name gives away, each with the class its README row names. */
const LOCAL_CLUSTERS = [
    { cluster: "Docker Desktop", match: (c) => c === "docker-desktop", storageClassName: "hostpath" },
    { cluster: "kind", match: (c) => c.startsWith("kind-"), storageClassName: "standard", note: "start cloud-provider-kind first: the LoadBalancer needs it" },
    { cluster: "k3d", match: (c) => c.startsWith("k3d-"), storageClassName: "local-path" },
    { cluster: "Rancher Desktop", match: (c) => c === "rancher-desktop", storageClassName: "local-path" },
    { cluster: "minikube", match: (c) => c === "minikube", storageClassName: "standard", note: "run `minikube tunnel` first: the LoadBalancer needs it" },
    { cluster: "the project's test cluster", match: (c) => c === "sticky-test", storageClassName: "hostpath" },
];

/**
 * The message for a sticky:kubeContext the kubeconfig lacks, given the contexts it has. `pulumi`
 * is the CLI to name in the commands, `backend` the state backend they need (dev-up.sh's file
 * backend), when the caller's shell may not have them.
 */
export function missingContextMessage(context, contexts, { pulumi = "pulumi", backend } = {}) {
    const found = contexts.flatMap((name) => {
        const local = LOCAL_CLUSTERS.find((l) => l.match(name));
        return local === undefined ? [] : [{ name, ...local }];
    });
    const lines = [`error: sticky:kubeContext = "${context}" is not a context in your kubeconfig.`];
    if (found.length === 0) {
        lines.push(
            `       It has ${contexts.length === 0 ? "no contexts" : `no local cluster's (contexts: ${contexts.join(", ")})`}.`,
            "       Enable Kubernetes in Docker Desktop, or start kind, k3d, Rancher Desktop or minikube, and run npm run dev:up again",
            "       (README.md, Other local clusters).",
        );
        return lines.join("\n");
    }
    lines.push(`       Local clusters in it: ${found.map((f) => `${f.name} (${f.cluster})`).join(", ")}. To deploy to one:`);
    if (backend !== undefined) lines.push("", `       export PULUMI_BACKEND_URL=${backend} PULUMI_CONFIG_PASSPHRASE=`);
    for (const f of found) {
        lines.push("", `       # ${f.cluster}${f.note === undefined ? "" : `: ${f.note}`}`);
        lines.push(`       ${pulumi} config set sticky:kubeContext ${f.name} --stack dev`);
        lines.push(`       ${pulumi} config set sticky:storageClassName ${f.storageClassName} --stack dev`);
    }
    lines.push("", "       then run npm run dev:up again (README.md, Other local clusters).");
    return lines.join("\n");
}

function onPath(command) {
    try {
        execFileSync(command, ["version"], { stdio: "ignore", env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" } });
        return true;
    } catch {
        return false;
    }
}

async function main([command, ...args]) {
    if (command === "pulumi") {
        const install = async (opts) => {
            console.error(`No pulumi CLI on PATH: installing Pulumi ${opts.version} (the SDK's) into ${path.relative(ROOT, opts.root)}/ ...`);
            const { PulumiCommand } = await import("@pulumi/pulumi/automation/index.js");
            await PulumiCommand.install(opts);
        };
        const folder = await pulumiFolder({ onPath: onPath("pulumi"), install });
        if (folder !== undefined) console.log(folder);
        return 0;
    }
    if (command === "missing-context") {
        const { values, positionals } = parseArgs({ args, options: { pulumi: { type: "string" }, backend: { type: "string" } }, allowPositionals: true });
        if (positionals.length >= 1) {
            console.error(missingContextMessage(positionals[0], positionals.slice(1), values));
            return 0;
        }
    }
    console.error("usage: node tools/dev-up.mjs pulumi | missing-context [--pulumi CMD] [--backend URL] <context> [<context>...]");
    return 2;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
    main(process.argv.slice(2)).then(
        (status) => process.exit(status),
        (error) => {
            console.error(`error: ${error.message}`);
            process.exit(1);
        },
    );
}
