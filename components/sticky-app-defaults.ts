/**
 * What {@link StickyApp} does when an argument is left out. The component owns these values; they
 * sit in a module of their own, without any Pulumi import, so that settings.ts (pure) takes the
 * app's config defaults from here instead of repeating them. Pulumi.yaml declares the same
 * defaults for `pulumi config`; tests/settings.test.ts keeps it in step with the code.
 */
export const STICKY_APP_DEFAULTS = {
    replicas: 3,
    // nginx's stable line, pinned to a patch release so a deploy never changes under a tag;
    // 1.30.1 fixes CVE-2026-42945, exploited in the wild since May 2026.
    image: "docker.io/library/nginx:1.30.1-alpine",
    storageSize: "1Gi",
    servicePort: 3333,
    storageClassAllowsExpansion: false,
    protect: false,
} as const;
