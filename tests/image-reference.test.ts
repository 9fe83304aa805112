/**
 * core/image-reference.ts and the `sticky:image` key: only a pinned reference (a tag other than
 * latest, or a sha256 digest) is accepted; every refusal names the key, the value, why, and what
 * is allowed.
 */
import * as assert from "assert";
import { imageReferenceProblem, splitImageReference } from "../core/image-reference";
import { STICKY_APP_DEFAULTS } from "../components/sticky-app-contract";
import { ConfigProblemsError } from "../core/config-keys";
import { APP_KEYS, parseSettings } from "../stack/settings";

const DIGEST = `sha256:${"0123456789abcdef".repeat(4)}`;

describe("image references (core/image-reference.ts, sticky:image)", () => {
    for (const pinned of [
        STICKY_APP_DEFAULTS.image,
        "nginx:1.30.1-alpine",
        `nginx@${DIGEST}`,
        `docker.io/library/nginx:1.30.1-alpine@${DIGEST}`,
        "registry.example.com:5000/team/web-app:2026.12.07",
        "localhost:5000/nginx:v1",
        "ghcr.io/o_w-n.er/re__po/a--b:1",
    ]) {
        it(`accepts ${pinned}`, () => assert.strictEqual(imageReferenceProblem(pinned), undefined));
    }

    const refused: [string, string][] = [
        ["nginx", 'has no tag or digest, so it means whatever "latest" is on the day of each pull'],
        ["docker.io/library/nginx", 'has no tag or digest, so it means whatever "latest" is on the day of each pull'],
        ["localhost:5000/nginx", 'has no tag or digest, so it means whatever "latest" is on the day of each pull'],
        ["nginx:latest", 'is tagged "latest", which moves: each pull may bring another image'],
        ["nginx@sha256:abc", 'the digest "sha256:abc" is not "sha256:" and 64 lowercase hexadecimal digits'],
        [`nginx@sha512:${"0".repeat(128)}`, `the digest "sha512:${"0".repeat(128)}" is not "sha256:" and 64 lowercase hexadecimal digits`],
        [`nginx@${DIGEST.toUpperCase().replace("SHA256", "sha256")}`, `the digest "${DIGEST.toUpperCase().replace("SHA256", "sha256")}" is not "sha256:" and 64 lowercase hexadecimal digits`],
        ["Nginx:1.30", 'the repository "Nginx" has capitals (it must be lowercase)'],
        ["nginx:-1", 'the tag "-1" is not one (letters, digits, "_", "." and "-", at most 128, not starting with "." or "-")'],
        ["nginx::1", '"nginx:" is not a repository name'],
        ["/nginx:1", '"/nginx" is not a repository name'],
        ["nginx:1 ", "contains spaces"],
        ["", "is empty"],
    ];
    for (const [reference, reason] of refused) {
        it(`refuses ${JSON.stringify(reference)}: ${reason}`, () => assert.strictEqual(imageReferenceProblem(reference), reason));
    }

    it("splits name, tag and digest, a registry's port not taken for a tag", () => {
        assert.deepStrictEqual(splitImageReference(`localhost:5000/nginx:v1@${DIGEST}`), { name: "localhost:5000/nginx", tag: "v1", digest: DIGEST });
        assert.deepStrictEqual(splitImageReference("localhost:5000/nginx"), { name: "localhost:5000/nginx", tag: undefined, digest: undefined });
    });

    it("the key's message names the key, the value, why, and what is allowed", () => {
        assert.throws(
            () => parseSettings((key) => ({ "sticky:environment": "local", "sticky:image": "nginx:latest" })[key]),
            (error: ConfigProblemsError) => {
                assert.deepStrictEqual(error.problems, [`sticky:image = "nginx:latest": is tagged "latest", which moves: each pull may bring another image; ${APP_KEYS.image.allowed}`]);
                return true;
            },
        );
        assert.match(APP_KEYS.image.allowed, /pinned by a tag other than "latest" or by a digest/);
    });
});
