/**
 * The environments a stack can deploy to, one line each: `sticky:environment` accepts their
 * kinds, settings.ts reads only the chosen one's keys, index.ts deploys through it, and the
 * policy pack accepts outside dev stacks the storage their rules accept. Adding one is a module
 * of its own, a line here and its keys in Pulumi.yaml: docs/adding-an-environment.md.
 *
 * Pure: each definition loads its Pulumi code only when a stack deploys to it.
 */
import type { EnvironmentRegistry } from "./environment";
import { eksDefinition } from "./eks/definition";
import { localDefinition } from "./local/definition";

export const ENVIRONMENTS = [
    localDefinition, // an existing local cluster (Docker Desktop, kind, k3d, Rancher Desktop, minikube)
    eksDefinition, // a new EKS cluster in its own VPC
] as const satisfies EnvironmentRegistry;
