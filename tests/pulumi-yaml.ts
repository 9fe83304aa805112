/**
 * Pulumi.yaml's `config:` block against what the code declares (settings.ts `documentedKeys`,
 * built from the app's keys and the registry's environments): the settings test checks the
 * committed file, the registry test shows what a new environment must add, and
 * e2e/added-environment.e2e.ts adds it (which is why this does not import ./harness and the SDKs
 * it loads).
 */
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { isDeepStrictEqual } from "util";
import type { DocumentedKey } from "../stack/settings";

/** Pulumi.yaml's `config:` block, as parsed. */
export function declaredConfig(file = path.resolve(__dirname, "..", "..", "Pulumi.yaml")): Record<string, unknown> {
    return (yaml.load(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> }).config ?? {};
}

/**
 * Where `declared` (a Pulumi.yaml `config:` block) differs from `documented`, one line per key,
 * each with the YAML the file should hold instead; [] when they agree.
 */
export function configDocProblems(documented: Record<string, DocumentedKey>, declared: Record<string, unknown>): string[] {
    const asYaml = (name: string, entry: DocumentedKey) => yaml.dump({ [name]: entry }, { lineWidth: -1 }).trimEnd();
    const problems: string[] = [];
    for (const [name, entry] of Object.entries(documented)) {
        if (!(name in declared)) {
            problems.push(`Pulumi.yaml does not declare ${name}; add:\n${asYaml(name, entry)}`);
        } else if (!isDeepStrictEqual(declared[name], entry)) {
            problems.push(`Pulumi.yaml declares ${name} otherwise than the code; it should say:\n${asYaml(name, entry)}`);
        }
    }
    for (const name of Object.keys(declared)) {
        if (!(name in documented)) problems.push(`Pulumi.yaml declares ${name}, which nothing reads; remove it`);
    }
    return problems;
}
