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
 * What makes two ARNs one principal for EKS: account, type and name, whatever the path and case
 * (IAM names are unique that way), so a second access entry for it fails with 409.
 */
export function principalIdentity(principal: Principal): string {
    return `${principal.account}:${principal.type}/${principal.name.toLowerCase()}`;
}

/**
 * The access entry's key (its resource name's end), from the ARN, never a list position, so
 * removing or reordering one leaves the others; moving a principal between roles replaces it.
 */
export function accessEntryKey(role: "admin" | "viewer", principal: Principal): string {
    return `${role}-${principal.account}-${principal.type}-${principal.name.toLowerCase()}`;
}

/** The principal identity behind `aws sts get-caller-identity`'s ARN (an assumed role's role, or a user); undefined for root and federated users. */
export function callerIdentity(callerArn: string): string | undefined {
    const assumed = /^arn:aws[a-z-]*:sts::(\d{12}):assumed-role\/([\w+=,.@-]+)\/.+$/.exec(callerArn);
    if (assumed) return `${assumed[1]}:role/${assumed[2].toLowerCase()}`;
    const principal = parsePrincipalArn(callerArn);
    return principal ? principalIdentity(principal) : undefined;
}
