/**
 * What StickyApp promises its callers and readers, without loading Pulumi: its type token, the
 * names of what it makes, and the values it uses when an argument is left out. stack/settings.ts
 * takes the app's config defaults from here, and the review, the volumes tool and the tests read
 * the names; Pulumi.yaml declares the same defaults for `pulumi config` (tests/settings.test.ts
 * keeps it in step).
 */

/** The component's Pulumi type token (`<project>:<module>:<Type>`), the parent in its children's URNs. */
export const STICKY_APP_TYPE = "sticky:app:StickyApp";

/**
 * The app's name as the program deploys it: its StatefulSet, pods (`sticky-N`), claims and Service
 * are named after it. index.ts names the component with it; tools that find the app's pods and
 * claims in a cluster (the file backup) build the names from it with {@link podName} and
 * {@link claimName}.
 */
export const APP_NAME = "sticky";

/** The name of the claim template; claims are `<template>-<statefulset>-<ordinal>`. */
export const CLAIM_TEMPLATE = "sticky-data";

/** Where nginx serves files from, and where each pod's claim is mounted. */
export const DATA_PATH = "/usr/share/nginx/html";

/** The container port, named so Services and probes refer to it by name. */
export const CONTAINER_PORT = { name: "web", number: 80 } as const;

/**
 * The namespace the app's objects land in: they name none, so the provider's default, which is
 * `default` for both environments (neither EKS's kubeconfig nor Docker Desktop's context sets
 * one). Its Pod Security labels are the app's; the namespace itself is the cluster's.
 */
export const APP_NAMESPACE = "default";

/** A StatefulSet's pod: `<statefulset>-<ordinal>` (Kubernetes' rule). */
export function podName(statefulSet: string, ordinal: number): string {
    return `${statefulSet}-${ordinal}`;
}

/**
 * A StatefulSet's claim for one pod: `<template>-<statefulset>-<ordinal>` (Kubernetes' rule). A
 * StatefulSet created again with the same name finds its claims by this name and adopts them.
 */
export function claimName(statefulSet: string, ordinal: number, template: string = CLAIM_TEMPLATE): string {
    return `${template}-${podName(statefulSet, ordinal)}`;
}

/** How many pods the app may run (`replicas`), each with its own claim: the settings and the component refuse others. */
export const REPLICAS = { min: 1, max: 100 } as const;

/** What StickyApp does when an argument is left out; callers pass only what differs. */
export const STICKY_APP_DEFAULTS = {
    replicas: 3,
    // nginx's stable line, pinned to a patch release so a deploy never changes under a tag (why
    // this release: docs/architecture.md, the table of what the component adds).
    image: "docker.io/library/nginx:1.30.1-alpine",
    storageSize: "1Gi",
    servicePort: 3333,
    protect: false,
} as const;
