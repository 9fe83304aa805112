/**
 * The state fingerprint (tools/plan-pin): what counts as a change of the state a plan was made
 * against, and what a refresh may rewrite without counting. The engine's side (a plan applied to
 * a moved state, refused with the pin) is e2e/plan-pin.e2e.ts; a real refresh of the dev stack
 * keeping its fingerprint is e2e/refresh.e2e.ts.
 */
import * as assert from "assert";
import { canonicalJson, ExportError, fingerprint, parsePin, pinProblems, PIN_KIND } from "../tools/plan-pin/fingerprint";

const STACK_URN = "urn:pulumi:prod::sticky::pulumi:pulumi:Stack::sticky-prod";
const CLAIM_URN = "urn:pulumi:prod::sticky::sticky:app:StickyApp$kubernetes:core/v1:Service::sticky";
const CLASS_URN = "urn:pulumi:prod::sticky::kubernetes:storage.k8s.io/v1:StorageClass::hostpath";

/** A small export in `pulumi stack export`'s form: the stack, a Service, a read StorageClass. */
function exported(): any {
    return {
        version: 3,
        deployment: {
            manifest: { time: "2026-12-02T10:00:00Z", magic: "abc", version: "v3.276.0" },
            secrets_providers: { type: "passphrase", state: { salt: "v1:x" } },
            resources: [
                { urn: STACK_URN, custom: false, type: "pulumi:pulumi:Stack", outputs: { url: "http://127.0.0.1:3333" }, created: "2026-12-01T09:00:00Z", modified: "2026-12-01T09:00:00Z" },
                {
                    urn: CLAIM_URN,
                    custom: true,
                    id: "default/sticky",
                    type: "kubernetes:core/v1:Service",
                    inputs: { spec: { ports: [{ port: 3333 }] } },
                    outputs: {
                        metadata: { name: "sticky", resourceVersion: "1001", managedFields: [{ manager: "pulumi-kubernetes" }], uid: "u-1", annotations: { a: "b" } },
                        spec: { ports: [{ port: 3333 }] },
                        status: { loadBalancer: { ingress: [{ ip: "127.0.0.1" }] } },
                    },
                    created: "2026-12-01T09:00:00Z",
                    modified: "2026-12-01T09:00:00Z",
                },
                { urn: CLASS_URN, custom: true, external: true, id: "hostpath", type: "kubernetes:storage.k8s.io/v1:StorageClass", inputs: {}, outputs: { metadata: { name: "hostpath", resourceVersion: "7" } } },
            ],
        },
    };
}

const pin = (e: unknown = exported(), commit = "c0ffee") => fingerprint(e, "prod", commit);

describe("plan-pin: the state fingerprint", () => {
    it("is a sha256 of the state, says what it holds, and is the same for the same state", () => {
        const p = pin();
        assert.match(p.digest, /^sha256:[0-9a-f]{64}$/);
        assert.strictEqual(p.kind, PIN_KIND);
        assert.match(p.holds, /the sha256 of stack prod's state that the plan for c0ffee was made against/);
        assert.deepStrictEqual(Object.keys(p.resources), [STACK_URN, CLAIM_URN, CLASS_URN]);
        assert.strictEqual(pin().digest, p.digest);
    });

    it("leaves out what a refresh rewrites when nothing changed", () => {
        const refreshed: [string, (e: any) => void][] = [
            ["the manifest", (e) => (e.deployment.manifest = { time: "2026-12-02T11:00:00Z", magic: "def", version: "v3.277.0" })],
            ["created and modified", (e) => e.deployment.resources.forEach((r: any) => (r.modified = "2026-12-02T11:00:00Z"))],
            ["a Kubernetes object's status", (e) => (e.deployment.resources[1].outputs.status = {})],
            ["its resourceVersion", (e) => (e.deployment.resources[1].outputs.metadata.resourceVersion = "1002")],
            ["its managedFields", (e) => (e.deployment.resources[1].outputs.metadata.managedFields = [])],
            ["a read resource's state", (e) => (e.deployment.resources[2].outputs = { metadata: { name: "hostpath", resourceVersion: "8" }, provisioner: "x" })],
            ["the order of keys and of resources", (e) => e.deployment.resources.reverse()],
            // Seen on the real engine (e2e/refresh.e2e.ts): an update writes `"kind": []`, a refresh drops it.
            ["empty property dependencies", (e) => (e.deployment.resources[1].propertyDependencies = { kind: [], spec: [] })],
        ];
        for (const [what, change] of refreshed) {
            const e = exported();
            change(e);
            assert.strictEqual(pin(e).digest, pin().digest, what);
        }
    });

    it("counts everything else, and names the resource that changed", () => {
        const changes: [string, (e: any) => void, string][] = [
            ["an output (the 31 of 12 -> 20 -> 31)", (e) => (e.deployment.resources[1].outputs.spec.ports[0].port = 31), `changed ${CLAIM_URN}`],
            ["an input", (e) => (e.deployment.resources[1].inputs.spec.ports[0].port = 31), `changed ${CLAIM_URN}`],
            ["an annotation", (e) => (e.deployment.resources[1].outputs.metadata.annotations.a = "c"), `changed ${CLAIM_URN}`],
            ["the stack's outputs", (e) => (e.deployment.resources[0].outputs.url = "http://x"), `changed ${STACK_URN}`],
            ["protect", (e) => (e.deployment.resources[1].protect = true), `changed ${CLAIM_URN}`],
            ["a property dependency", (e) => (e.deployment.resources[1].propertyDependencies = { spec: [STACK_URN] }), `changed ${CLAIM_URN}`],
            ["a resource gone", (e) => e.deployment.resources.splice(1, 1), `gone ${CLAIM_URN}`],
            ["a resource added", (e) => e.deployment.resources.push({ urn: "urn:new", type: "x" }), "added urn:new"],
            ["a read resource's id", (e) => (e.deployment.resources[2].id = "other"), `changed ${CLASS_URN}`],
        ];
        for (const [what, change, named] of changes) {
            const e = exported();
            change(e);
            const problems = pinProblems(pin(), pin(e), { stack: "prod", commit: "c0ffee" });
            assert.strictEqual(problems.length, 1, what);
            assert.match(problems[0], /^the state is not the one the plan was made against \(pinned sha256:[0-9a-f]{64}, now sha256:[0-9a-f]{64}\): /, what);
            assert.ok(problems[0].endsWith(named), `${what}: ${problems[0]}`);
        }
    });

    it("refuses pending operations, another stack and another commit, even with the same digest", () => {
        const e = exported();
        e.deployment.pending_operations = [{ resource: { urn: CLAIM_URN }, type: "updating" }];
        const pending = pinProblems(pin(), pin(e), { stack: "prod", commit: "c0ffee" });
        assert.deepStrictEqual(pending[0], "the state has 1 pending operation(s) from an interrupted update");
        assert.deepStrictEqual(pinProblems(pin(), pin(), { stack: "staging", commit: "c0ffee" }), ["the pin is for stack prod, not staging"]);
        assert.deepStrictEqual(pinProblems(pin(), pin(), { stack: "prod", commit: "beef" }), ["the pin is for commit c0ffee, not beef"]);
        assert.deepStrictEqual(pinProblems(pin(), pin(), { stack: "prod", commit: "c0ffee" }), []);
    });

    it("reads back only a pin file, and only an export it understands", () => {
        assert.deepStrictEqual(parsePin(JSON.stringify(pin())), pin());
        assert.throws(() => parsePin("{}"), /the pin file is not a sticky-state-fingerprint/);
        assert.throws(() => parsePin("not json"), /the pin file is not JSON/);
        assert.throws(() => fingerprint({ version: 3 }, "prod"), ExportError);
        assert.throws(() => fingerprint({ version: 4, deployment: {} }, "prod"), /version 4: only version 3 is understood/);
        assert.throws(() => fingerprint({ version: 3, deployment: { resources: [{}] } }, "prod"), /not a list of resources with a `urn`/);
    });

    it("writes canonical JSON: keys sorted at every depth", () => {
        assert.strictEqual(canonicalJson({ b: [{ d: 1, c: 2 }], a: null }), '{"a":null,"b":[{"c":2,"d":1}]}');
    });
});
