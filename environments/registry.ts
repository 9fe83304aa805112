/**
 * The environments a stack can deploy to, one line each: `sticky:environment` accepts their
 * kinds, stack/settings.ts reads only the chosen one's keys and binds the definition to them,
 * index.ts deploys through it, and the
 * policy pack accepts outside dev stacks the storage their rules accept. Adding one is a folder
 * of its own (a definition and its resources), a line here and its keys in Pulumi.yaml: docs/adding-an-environment.md.
 *
 * Pure: a definition names its resources' module, which only a stack deploying there loads.
 */
import type { EnvironmentRegistry } from "./definition";
import { eksDefinition } from "./eks/definition";
import { localDefinition } from "./local/definition";

export const ENVIRONMENTS = [
    localDefinition, // an existing local cluster (Docker Desktop, kind, k3d, Rancher Desktop, minikube)
    eksDefinition, // a new EKS cluster in its own VPC
] as const satisfies EnvironmentRegistry;
