/**
 * A stack's configuration as `pulumi up --stack <stack>` hands it to the program, read from the
 * committed files alone: Pulumi.yaml's defaults overlaid by Pulumi.<stack>.yaml, every value a
 * string (lists and objects as JSON). No Pulumi SDK: the tests' harness and the version-window
 * check both read config through this.
 */
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";

const PROJECT = "sticky";

type ConfigValue = string | number | boolean | unknown[] | Record<string, unknown>;

/** Pulumi hands every config value to the program as a string; objects and lists as JSON. */
function asConfigString(value: ConfigValue): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

function readYaml(root: string, file: string): any {
    return yaml.load(fs.readFileSync(path.join(root, file), "utf8"));
}

/** The project's declared config keys with their defaults, as fully qualified `sticky:key`. */
export function projectDefaults(root: string): Record<string, string> {
    const declared: Record<string, { default?: ConfigValue }> = readYaml(root, "Pulumi.yaml").config ?? {};
    const defaults: Record<string, string> = {};
    for (const [name, spec] of Object.entries(declared)) {
        const key = name.includes(":") ? name : `${PROJECT}:${name}`;
        if (spec.default !== undefined) defaults[key] = asConfigString(spec.default);
    }
    return defaults;
}

/** The config `pulumi up --stack <stack>` gives the program: defaults, then the stack file. */
export function stackConfig(root: string, stack: string): Record<string, string> {
    const stackValues: Record<string, ConfigValue> = readYaml(root, `Pulumi.${stack}.yaml`).config ?? {};
    const config = projectDefaults(root);
    for (const [key, value] of Object.entries(stackValues)) config[key] = asConfigString(value);
    return config;
}
