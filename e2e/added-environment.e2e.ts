/**
 * An environment added through the registry alone, deployed for real: a copy of the project
 * changed exactly as docs/adding-an-environment.md tells a reader (tests/example-environment's two
 * files in environments/existing/, the registry line, the keys in Pulumi.yaml), then the real
 * `pulumi` CLI and the real policy pack on the test cluster, under a stack that is not dev.
 *
 * One thing is stood in, as the doc says: the test cluster has no Longhorn, so the class's
 * provisioner is the test cluster's local-cloud/expandable-hostpath (a directory per claim).
 * Everything else is the example as committed, and the doc's instructions are read from the doc
 * (the registry block, the stack file, the errors it shows), so the doc cannot drift from this.
 *
 * The steps depend on each other and run in order; mocha's --bail stops at the first failure.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { APP_NAME, claimName, DATA_PATH } from "../components/sticky-app-contract";
import { ENVIRONMENTS } from "../environments/registry";
import { documentedKeys } from "../stack/settings";
import { existingDefinition } from "../tests/example-environment/definition";
import { configDocProblems, declaredConfig } from "../tests/pulumi-yaml";
import { expectOneInThree, expectOnlySticky2Has, LB_PORT, sample } from "./app-requests";
import { type AppPod, appPods, appServing } from "./app-state";
import { emptyWorkspace, localImages, ROOT, say, tearDown, TEST_CONTEXT, waitFor, Workspace } from "./workspace";

const STACK = "ops";
const DOC = fs.readFileSync(path.join(ROOT, "docs", "adding-an-environment.md"), "utf8");
const EXAMPLE = path.join(ROOT, "tests", "example-environment");
/** The one stand-in (the doc's "Tried with the real engine"): the test cluster has no Longhorn. */
const STAND_IN_PROVISIONER = "local-cloud/expandable-hostpath";
const CLAIMS = [0, 1, 2].map((ordinal) => claimName(APP_NAME, ordinal));

/** The fenced code blocks of the doc's section whose heading starts with `heading`. */
function docBlocks(heading: string): { lang: string; body: string }[] {
    const section = DOC.split(/^## /m).find((s) => s.startsWith(heading));
    assert.ok(section, `docs/adding-an-environment.md has a section "## ${heading}..."`);
    return [...section.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1], body: m[2] }));
}

/** Whitespace (line breaks included) folded to single spaces: the doc wraps what the CLI prints. */
const oneLine = (text: string) => text.replace(/\s+/g, " ").trim();

/** The doc's stack file (section 6), as `sticky:` key -> value. */
function docStackConfig(): Record<string, string> {
    const block = docBlocks("6. A stack").find((b) => b.lang === "yaml");
    assert.ok(block, "section 6 shows a stack file");
    assert.match(block.body, new RegExp(`^# Pulumi\\.${STACK}\\.yaml$`, "m"), `the doc's stack is "${STACK}", as here`);
    const config = (yaml.load(block.body) as { config: Record<string, unknown> }).config;
    return Object.fromEntries(Object.entries(config).map(([key, value]) => [key, String(value)]));
}

/** Every file under `dir` (relative paths, sorted), skipping the top-level names in `skip`. */
function filesUnder(dir: string, skip: string[]): string[] {
    const files: string[] = [];
    const walk = (relative: string) => {
        for (const entry of fs.readdirSync(path.join(dir, relative), { withFileTypes: true })) {
            const name = path.join(relative, entry.name);
            if (relative === "" && skip.includes(entry.name)) continue;
            if (entry.isDirectory()) walk(name);
            else if (entry.isFile()) files.push(name);
        }
    };
    walk("");
    return files.sort();
}

/**
 * Replaces `name`'s entry in a Pulumi.yaml's `config:` block (the last block of the file), or adds
 * it at the end, with `yamlEntry` (as tests/pulumi-yaml.ts prints it, unindented): what a reader
 * does with each entry `npm test` asks for.
 */
function putConfigEntry(pulumiYaml: string, name: string, yamlEntry: string): string {
    const lines = pulumiYaml.trimEnd().split("\n");
    const entry = yamlEntry.split("\n").map((line) => `  ${line}`);
    const start = lines.indexOf(`  ${name}:`);
    if (start === -1) return [...lines, ...entry, ""].join("\n");
    let end = start + 1;
    while (end < lines.length && (lines[end].trim() === "" || /^ {3,}/.test(lines[end]))) end++;
    return [...lines.slice(0, start), ...entry, ...lines.slice(end), ""].join("\n");
}

/**
 * The doc's steps 1, 4 and 5 done in `ws` (a copy of the project), plus the stand-in provisioner;
 * each checked against what the doc shows.
 */
function addTheExampleEnvironment(ws: Workspace): void {
    // 1 and 3: the two files, in environments/existing/ (the doc's table of files).
    for (const file of ["definition.ts", "resources.ts"]) {
        assert.match(DOC, new RegExp(`^\\| \`environments/existing/${file.replace(".", "\\.")}\` \\(new\\) \\|`, "m"), `the doc's table lists environments/existing/${file}`);
        fs.mkdirSync(path.join(ws.dir, "environments", "existing"), { recursive: true });
        fs.copyFileSync(path.join(EXAMPLE, file), path.join(ws.dir, "environments", "existing", file));
    }
    const definition = path.join(ws.dir, "environments", "existing", "definition.ts");
    const committedProvisioner = 'export const LONGHORN_PROVISIONER = "driver.longhorn.io";';
    const source = fs.readFileSync(definition, "utf8");
    assert.strictEqual(source.split(committedProvisioner).length, 2, `the example's definition.ts has ${committedProvisioner} once`);
    fs.writeFileSync(definition, source.replace(committedProvisioner, `export const LONGHORN_PROVISIONER = "${STAND_IN_PROVISIONER}";`));

    // 4: the registry line, taken from the doc's block: the one line of it the registry lacks.
    const registryFile = path.join(ws.dir, "environments", "registry.ts");
    const registry = fs.readFileSync(registryFile, "utf8");
    const [docRegistry] = docBlocks("4. Register it").map((b) => b.body);
    const newLines = docRegistry.split("\n").filter((line) => line.trim() !== "" && !registry.includes(line));
    assert.deepStrictEqual(newLines, ["    existingDefinition, // an existing cluster with Longhorn storage"], "the doc's registry adds one line");
    const changed = registry
        .replace('import { eksDefinition } from "./eks/definition";\n', '$&import { existingDefinition } from "./existing/definition";\n')
        .replace("] as const satisfies EnvironmentRegistry;", `${newLines[0]}\n] as const satisfies EnvironmentRegistry;`);
    assert.ok(changed.includes(docRegistry), "the registry now reads as the doc's block, line for line");
    assert.ok(changed.includes('import { existingDefinition } from "./existing/definition";'));
    fs.writeFileSync(registryFile, changed);

    // 5: Pulumi.yaml, each entry the settings check asks for, as it prints it.
    const pulumiYaml = path.join(ws.dir, "Pulumi.yaml");
    const documented = documentedKeys([...ENVIRONMENTS, existingDefinition]);
    const asked = configDocProblems(documented, declaredConfig(pulumiYaml));
    const names = asked.map((problem) => /^Pulumi\.yaml (?:does not declare|declares) (\w+)/.exec(problem)?.[1]);
    assert.deepStrictEqual(names, ["environment", "storageClassName", "clusterContext", "longhornReplicas"], "the four entries the doc names");
    const [docAsks] = docBlocks("5. Pulumi.yaml").map((b) => b.body.trimEnd());
    assert.strictEqual(asked[2], docAsks, "the doc shows what the check prints for clusterContext");
    let text = fs.readFileSync(pulumiYaml, "utf8");
    for (const problem of asked) {
        const entry = problem.slice(problem.indexOf("\n") + 1);
        text = putConfigEntry(text, entry.slice(0, entry.indexOf(":")), entry);
    }
    fs.writeFileSync(pulumiYaml, text);
    assert.deepStrictEqual(configDocProblems(documented, declaredConfig(pulumiYaml)), [], "Pulumi.yaml now says what the code declares");
}

/** What this file makes besides the app: the stack's class and the volumes Retain keeps. */
function removeClassAndVolumes(ws: Workspace, className: string): void {
    ws.kubectl("delete", "storageclass", className, "--ignore-not-found", "--wait=false");
    const volumes = (ws.get("pv").items as any[]).filter((v) => v.spec.storageClassName === className).map((v) => v.metadata.name);
    // They go once their claims do (removeApp deletes those): kubernetes.io/pv-protection.
    if (volumes.length > 0) ws.kubectl("delete", "pv", ...volumes, "--wait=false");
}

/** claim name -> volume name, for the app's claims. */
const volumesOfClaims = (ws: Workspace): Record<string, string> =>
    Object.fromEntries((ws.get("pvc", "-l", "app=sticky").items as any[]).map((c) => [c.metadata.name, c.spec.volumeName]));

describe("an environment added through the registry alone, on the real engine (stack ops, environment existing)", function () {
    this.timeout(15 * 60 * 1000);
    const config = docStackConfig();
    const className = config["sticky:storageClassName"];
    const leftovers = (ws: Workspace) => removeClassAndVolumes(ws, className);
    let ws: Workspace;
    let committedPack: string;
    let pack: string;
    let claimVolumes: Record<string, string>;

    /** `pulumi <command> --stack ops`, whatever its exit status. */
    const run = (...args: string[]) => ws.run("pulumi", [...args, "--stack", STACK, "--non-interactive"]);
    /** Nothing of this stack in the cluster or in its state. */
    const expectNothingDeployed = () => {
        assert.deepStrictEqual(ws.get("storageclass").items.filter((c: any) => c.metadata.name === className), [], `no class ${className}`);
        assert.deepStrictEqual(ws.get("statefulset,service,pvc", "-l", "app=sticky").items, [], "no app object");
        assert.deepStrictEqual(JSON.parse(ws.pulumi("stack", "export", "--stack", STACK).stdout).deployment.resources ?? [], [], "no resource in the state");
    };

    before(async () => {
        ws = await emptyWorkspace("sticky-addenv-", leftovers);
        const committed = ws.projectCopy("committed");
        addTheExampleEnvironment(ws);
        // What a reader changed, and nothing else: the doc's table of files.
        const skip = ["node_modules", ".pulumi-state", ".tmp", "committed"];
        const differing = filesUnder(ws.dir, skip).filter(
            (file) => !fs.existsSync(path.join(committed, file)) || !fs.readFileSync(path.join(committed, file)).equals(fs.readFileSync(path.join(ws.dir, file))),
        );
        assert.deepStrictEqual(differing, ["Pulumi.yaml", "environments/existing/definition.ts", "environments/existing/resources.ts", "environments/registry.ts"]);
        assert.deepStrictEqual(filesUnder(committed, ["node_modules"]).filter((file) => !fs.existsSync(path.join(ws.dir, file))), [], "no file removed");
        committedPack = ws.policyPackForEngine(committed);
        pack = ws.policyPackForEngine();

        // The doc's stack file, but for the cluster (the test cluster's context) and the image
        // (the one built on the test cluster: nothing can be pulled).
        ws.pulumi("stack", "init", STACK);
        const stack = { ...config, "sticky:clusterContext": TEST_CONTEXT, "sticky:image": localImages().nginx };
        for (const [key, value] of Object.entries(stack)) ws.pulumi("config", "set", key, value, "--stack", STACK);
        say(`stack ${STACK}: ${Object.entries(stack).map(([k, v]) => `${k}=${v}`).join(", ")}`);
    });

    after(() => tearDown(ws, leftovers, STACK));

    it("1. a key of another environment (sticky:kubeContext) on this stack: preview fails before any resource, naming key, value and what is allowed", () => {
        ws.pulumi("config", "set", "sticky:kubeContext", TEST_CONTEXT, "--stack", STACK);
        const preview = run("preview");
        assert.notStrictEqual(preview.status, 0, "preview fails");
        const message =
            `sticky:kubeContext = "${TEST_CONTEXT}": only "local" stacks read it, and this stack's sticky:environment is "existing"; ` +
            'remove it (`pulumi config rm sticky:kubeContext`), or set sticky:environment to "local"';
        assert.ok(
            oneLine(preview.stdout + preview.stderr).includes(`Invalid stack configuration (1 problem); nothing was deployed or changed: - ${message}`),
            `${preview.stdout}\n${preview.stderr}`,
        );
        const docError = docBlocks("6. A stack").find((b) => b.lang === "")?.body ?? "";
        assert.strictEqual(oneLine(docError.replaceAll("ops-eu-1", TEST_CONTEXT)), message, "the doc shows this error");
        say(`pulumi preview: ${message}`);
        expectNothingDeployed();
        ws.pulumi("config", "rm", "sticky:kubeContext", "--stack", STACK);
    });

    it("2. the committed policy pack (its registry: local and eks) blocks the stack: production-storage-is-encrypted-gp3 names the class", () => {
        const preview = run("preview", "--policy-pack", committedPack);
        assert.notStrictEqual(preview.status, 0, "a mandatory violation fails the preview");
        assert.match(preview.stdout, /\[mandatory\]\s+production-storage-is-encrypted-gp3/);
        const violation =
            `StatefulSet "sticky": claim template "sticky-data" uses class "${className}", which is not an encrypted, retained gp3 EBS class; ` +
            `claims in stack "${STACK}" must use the stack's encrypted gp3 class (ebs.csi.eks.amazonaws.com, Retain).`;
        assert.ok(oneLine(preview.stdout).includes(violation), preview.stdout);
        say(`committed pack: [mandatory] production-storage-is-encrypted-gp3: ${violation}`);
        expectNothingDeployed();
    });

    it("3. with the changed tree's pack, pulumi up passes every policy and deploys: the class as defined, three claims Bound on it, three pods serving", async () => {
        const up = run("up", "--yes", "--policy-pack", pack);
        assert.strictEqual(up.status, 0, `pulumi up failed:\n${up.stdout}\n${up.stderr}`);
        const ran = /Policies:\s*\n([^\n]*sticky@v[^\n]*)/.exec(up.stdout);
        assert.ok(ran, `the pack ran:\n${up.stdout}`);
        assert.doesNotMatch(up.stdout, /mandatory|advisory|disabled/, "no policy violated");
        say(`pulumi up --policy-pack (preview and update): ${up.seconds.toFixed(1)} s, ${/Resources:\s*\n\s*(.*)/.exec(up.stdout)?.[1]}; Policies: ${ran[1].trim()}`);

        const storageClass = ws.get("storageclass", className);
        assert.deepStrictEqual(
            {
                provisioner: storageClass.provisioner,
                parameters: storageClass.parameters,
                reclaimPolicy: storageClass.reclaimPolicy,
                allowVolumeExpansion: storageClass.allowVolumeExpansion,
                volumeBindingMode: storageClass.volumeBindingMode,
            },
            {
                provisioner: STAND_IN_PROVISIONER,
                parameters: { numberOfReplicas: "3", staleReplicaTimeout: "2880", fsType: "ext4" },
                reclaimPolicy: "Retain",
                allowVolumeExpansion: true,
                volumeBindingMode: "Immediate",
            },
        );

        const pods = await waitFor("sticky-0..2 Ready and behind the Service", 300, () => appServing(ws));
        const claims = ws.get("pvc", "-l", "app=sticky").items as any[];
        assert.deepStrictEqual(claims.map((c) => c.metadata.name).sort(), CLAIMS);
        for (const claim of claims) {
            assert.strictEqual(claim.status.phase, "Bound", `${claim.metadata.name} is Bound`);
            assert.strictEqual(claim.spec.storageClassName, className);
            const volume = ws.get("pv", claim.spec.volumeName);
            assert.strictEqual(volume.spec.persistentVolumeReclaimPolicy, "Retain", `${volume.metadata.name} is retained`);
            assert.strictEqual(volume.metadata.annotations["pv.kubernetes.io/provisioned-by"], STAND_IN_PROVISIONER);
        }
        claimVolumes = volumesOfClaims(ws);

        const outputs = JSON.parse(ws.pulumi("stack", "output", "--json", "--stack", STACK).stdout);
        assert.deepStrictEqual(outputs, {
            environment: "existing",
            url: `http://localhost:${LB_PORT}`,
            podNames: pods.map((p) => p.name),
            claimNames: CLAIMS,
            storageClassName: className,
            storageSize: "1Gi",
            restoredFrom: {},
            kubeContext: TEST_CONTEXT,
        });
        // An empty volume: nginx answers 403 on every pod.
        assert.ok((await sample(30)).every((a) => a.status === 403), "every pod serves its empty volume");

        const again = run("preview", "--expect-no-changes", "--policy-pack", pack);
        assert.strictEqual(again.status, 0, `a second preview plans no change:\n${again.stdout}\n${again.stderr}`);
    });

    it("4. a file written into sticky-2's volume is served again after every pod is deleted", async () => {
        const text = `hello from ${STACK}`;
        ws.kubectl("exec", "sticky-2", "--", "sh", "-c", `echo '${text}' > ${DATA_PATH}/index.html`);
        say(`kubectl exec sticky-2 -- sh -c "echo '${text}' > ${DATA_PATH}/index.html"`);
        expectOneInThree(await sample(), text);
        await expectOnlySticky2Has(ws, text);

        const before = appPods(ws);
        ws.kubectl("delete", "pod", "-l", "app=sticky", "--wait=false");
        const started = Date.now();
        const back: AppPod[] = await waitFor("three new pods Ready and behind the Service", 300, () =>
            appServing(ws, (p) => !before.some((b) => b.uid === p.uid)),
        );
        say(`kubectl delete pod -l app=sticky: all three back in ${((Date.now() - started) / 1000).toFixed(1)} s`);
        assert.deepStrictEqual(back.map((p) => p.name), before.map((p) => p.name), "the same names");
        assert.deepStrictEqual(volumesOfClaims(ws), claimVolumes, "the same claims, bound to the same volumes");
        expectOneInThree(await sample(), text);
        await expectOnlySticky2Has(ws, text);
    });

    it("5. pulumi destroy is refused while protected; unprotected, it removes the app and the class and leaves the claims (Retain); then everything is cleaned", async () => {
        assert.strictEqual(config["sticky:protect"], "true", "the doc's stack protects its resources");
        const statefulSet = ws.get("statefulset", "sticky").metadata.uid;
        const refused = run("destroy", "--yes", "--skip-preview");
        assert.notStrictEqual(refused.status, 0, "destroy fails on protected resources");
        assert.match(refused.stdout + refused.stderr, /protected/);
        assert.strictEqual(ws.get("statefulset", "sticky").metadata.uid, statefulSet, "the app is still there");

        ws.pulumi("config", "set", "sticky:protect", "false", "--stack", STACK);
        ws.pulumi("up", "--yes", "--stack", STACK, "--policy-pack", pack);
        ws.pulumi("destroy", "--yes", "--skip-preview", "--stack", STACK);
        assert.deepStrictEqual(ws.get("statefulset,service,poddisruptionbudget", "-l", "app=sticky").items, [], "no app object left");
        assert.deepStrictEqual(ws.get("storageclass").items.filter((c: any) => c.metadata.name === className), [], "the stack's class is gone");
        const left = ws.get("pvc", "-l", "app=sticky").items as any[];
        assert.deepStrictEqual(left.map((c) => c.metadata.name).sort(), CLAIMS, "the claims are kept");
        assert.ok(left.every((c) => c.status.phase === "Bound"), "still Bound");
        assert.deepStrictEqual(volumesOfClaims(ws), claimVolumes, "to their volumes");

        // Clean: the claims, the volumes Retain keeps (objects and directories), the stack.
        const directories = Object.values(claimVolumes).map((volume) => ws.get("pv", volume).spec.hostPath.path as string);
        removeClassAndVolumes(ws, className);
        await ws.removeApp();
        await waitFor(`no volume of class ${className} left`, 120, () =>
            (ws.get("pv").items as any[]).some((v) => v.spec.storageClassName === className) ? undefined : true,
        );
        for (const directory of directories) fs.rmSync(directory, { recursive: true, force: true });
        ws.pulumi("stack", "rm", STACK, "--yes");
        assert.doesNotMatch(ws.pulumi("stack", "ls").stdout, new RegExp(`^${STACK}\\b`, "m"), "the stack is removed");
    });
});
