import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/**
 * The Kubernetes group that `sticky:clusterViewerArns` principals are put in by their access
 * entries. Not `system:`-prefixed: EKS refuses those in `kubernetesGroups`.
 */
export const CLUSTER_VIEWER_GROUP = "sticky-cluster-viewers";

/**
 * What the viewers may touch: every kind the stack makes in its cluster (tests/eks.test.ts fails
 * on one missing here). Read, and write, because a preview is a server-side dry run and RBAC
 * checks it like the write; the admission policy below refuses every write that is not a dry run.
 * Never `delete`, Secrets, or writes to RBAC and admission objects: nobody loosens this from a
 * pull request.
 */
const WRITABLE_KINDS = [
    { apiGroups: ["apps"], resources: ["statefulsets"] },
    // namespaces: the app labels `default` for Pod Security through a NamespacePatch.
    { apiGroups: [""], resources: ["services", "configmaps", "namespaces"] },
    { apiGroups: ["policy"], resources: ["poddisruptionbudgets"] },
    { apiGroups: ["networking.k8s.io"], resources: ["networkpolicies"] },
    { apiGroups: ["storage.k8s.io"], resources: ["storageclasses"] },
    // persistentvolumeclaims: a bigger sticky:storageSize grows the claims through patches;
    // a restore (sticky:restoreFrom) makes a claim, a PersistentVolume or snapshot objects.
    { apiGroups: [""], resources: ["persistentvolumeclaims", "persistentvolumes"] },
    { apiGroups: ["snapshot.storage.k8s.io"], resources: ["volumesnapshotclasses", "volumesnapshots", "volumesnapshotcontents"] },
    // The stack's own compute (node-pool.ts).
    { apiGroups: ["karpenter.sh"], resources: ["nodepools"] },
    { apiGroups: ["eks.amazonaws.com"], resources: ["nodeclasses"] },
];
const READABLE_KINDS = [
    { apiGroups: ["rbac.authorization.k8s.io"], resources: ["clusterroles", "clusterrolebindings"] },
    { apiGroups: ["admissionregistration.k8s.io"], resources: ["validatingadmissionpolicies", "validatingadmissionpolicybindings"] },
    // What `kubectl get` and the volume lookup (npm run volumes) show next to the app.
    { apiGroups: [""], resources: ["pods", "endpoints", "events", "nodes"] },
];

export interface ClusterViewerAccessArgs {
    /**
     * The Kubernetes group whose members get read and dry-run rights and nothing else.
     * @default CLUSTER_VIEWER_GROUP
     */
    readonly group?: string;
}

/**
 * Read-only access for CI's preview and drift roles, enforced by the API server: RBAC for reads
 * and dry runs, a ValidatingAdmissionPolicy refusing the group's real writes, so a workflow edited
 * in a pull request cannot change prod even with `pulumi up`. e2e/prod-in-cluster.e2e.ts proves
 * them on the test cluster, as the prod stack deploys them (its step 4).
 */
export class ClusterViewerAccess extends pulumi.ComponentResource {
    /** The group the access entries name. */
    readonly group: string;
    readonly clusterRole: k8s.rbac.v1.ClusterRole;
    readonly clusterRoleBinding: k8s.rbac.v1.ClusterRoleBinding;
    readonly policy: k8s.admissionregistration.v1.ValidatingAdmissionPolicy;
    readonly policyBinding: k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding;

    constructor(name: string, args: ClusterViewerAccessArgs, opts?: pulumi.ComponentResourceOptions) {
        super("sticky:eks:ClusterViewerAccess", name, {}, opts);
        const group = args.group ?? CLUSTER_VIEWER_GROUP;
        this.group = group;
        const labels = { "app.kubernetes.io/part-of": "sticky", "app.kubernetes.io/component": "cluster-viewer" };

        const rules = [
            ...WRITABLE_KINDS.map((kind) => ({ ...kind, verbs: ["get", "list", "watch", "create", "patch", "update"] })),
            ...READABLE_KINDS.map((kind) => ({ ...kind, verbs: ["get", "list", "watch"] })),
        ];
        this.clusterRole = new k8s.rbac.v1.ClusterRole(name, { metadata: { name, labels }, rules }, { parent: this });
        this.clusterRoleBinding = new k8s.rbac.v1.ClusterRoleBinding(name, {
            metadata: { name, labels },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: this.clusterRole.metadata.name },
            subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: group }],
        }, { parent: this });

        // CEL: `request` is the admission request; a dry run has `dryRun: true`. The group test is
        // a match condition, so the policy costs nothing for anyone else's requests.
        const policyName = `${name}-dry-run-only`;
        this.policy = new k8s.admissionregistration.v1.ValidatingAdmissionPolicy(
            policyName,
            {
                metadata: { name: policyName, labels },
                spec: {
                    failurePolicy: "Fail",
                    // "*/*": every resource and every subresource (the API server refuses "*" beside it).
                    matchConstraints: { resourceRules: [{ apiGroups: ["*"], apiVersions: ["*"], operations: ["CREATE", "UPDATE", "DELETE", "CONNECT"], resources: ["*/*"] }] },
                    matchConditions: [{ name: "from-cluster-viewers", expression: `request.userInfo.groups.exists(g, g == ${JSON.stringify(group)})` }],
                    validations: [
                        {
                            expression: "has(request.dryRun) && request.dryRun == true",
                            message: `members of ${group} may only dry-run changes (pulumi preview); a real write needs the deploy role`,
                            reason: "Forbidden",
                        },
                    ],
                },
            },
            { parent: this },
        );
        this.policyBinding = new k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding(policyName, {
            metadata: { name: policyName, labels },
            spec: { policyName: this.policy.metadata.name, validationActions: ["Deny"] },
        }, { parent: this });

        this.registerOutputs({ group });
    }
}
