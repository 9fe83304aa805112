/**
 * IAM principals given access to the cluster: parsing and naming. Pure (no Pulumi import), so
 * settings.ts can reject duplicates before anything is created, and the tests can use tables.
 */

/** An IAM role or user ARN, e.g. `arn:aws:iam::123456789012:role/platform/admin`. */
export const IAM_PRINCIPAL_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):(role|user)\/([\w+=,.@/-]+)$/;

export interface Principal {
    readonly partition: string;
    readonly account: string;
    readonly type: "role" | "user";
    /** The path (without slashes at the ends; "" for none) and the name, as written. */
    readonly path: string;
    readonly name: string;
}

/** Splits an IAM role or user ARN; `undefined` when it is not one. */
export function parsePrincipalArn(arn: string): Principal | undefined {
    const match = IAM_PRINCIPAL_ARN.exec(arn);
    if (!match) return undefined;
    const [, partition, account, type, pathAndName] = match;
    const parts = pathAndName.split("/").filter((p) => p !== "");
    if (parts.length === 0) return undefined;
    return {
        partition,
        account,
        type: type as "role" | "user",
        path: parts.slice(0, -1).join("/"),
        name: parts[parts.length - 1],
    };
}

/**
 * What makes two ARNs the same principal for EKS: account, type and name. IAM names are unique
 * per account and type whatever their path, and case-insensitively (`Admin` and `admin` cannot
 * both exist), so an ARN listed twice with another path or case is still one principal, and a
 * second access entry for it fails with 409.
 */
export function principalIdentity(principal: Principal): string {
    return `${principal.account}:${principal.type}/${principal.name.toLowerCase()}`;
}

/**
 * The access entry's key (and so its Pulumi resource name, `sticky-<key>`), derived from the
 * ARN, never from its place in a list: removing or reordering one principal leaves the others'
 * entries untouched. `role` is `admin` or `viewer`, so one principal moved from one list to the
 * other is a replacement, not a silent change of rights.
 */
export function accessEntryKey(role: "admin" | "viewer", principal: Principal): string {
    return `${role}-${principal.account}-${principal.type}-${principal.name.toLowerCase()}`;
}

/**
 * The IAM role behind an STS identity (`arn:aws:sts::<acct>:assumed-role/<role>/<session>`, what
 * `aws sts get-caller-identity` prints for a role) or the user ARN itself, as a principal
 * identity; `undefined` for anything else (root, federated users).
 */
export function callerIdentity(callerArn: string): string | undefined {
    const assumed = /^arn:aws[a-z-]*:sts::(\d{12}):assumed-role\/([\w+=,.@-]+)\/.+$/.exec(callerArn);
    if (assumed) return `${assumed[1]}:role/${assumed[2].toLowerCase()}`;
    const principal = parsePrincipalArn(callerArn);
    return principal ? principalIdentity(principal) : undefined;
}
