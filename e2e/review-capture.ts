/**
 * A real preview as CI takes it for the pull-request review: `pulumi preview --json` with the
 * policy pack, what it printed kept in the run's workspace (and, with STICKY_WRITE_FIXTURES=1 for
 * a fixture case, in tests/fixtures/previews/ for the unit tests), and the review of it.
 */
import * as fs from "fs";
import * as path from "path";
import { parsePreview } from "../tools/review/preview";
import { renderReview } from "../tools/review/markdown";
import type { Review } from "../tools/review/model";
import { reviewPreview } from "../tools/review/review";
import { type Result, ROOT, type Workspace } from "./workspace";

export const PREVIEW_FIXTURES = path.join(ROOT, "tests", "fixtures", "previews");

export interface Captured {
    readonly json: string;
    readonly stderr: string;
    readonly status: number;
    readonly review: Review;
    readonly markdown: string;
}

export interface CaptureOptions {
    /** `--policy-pack` (Workspace.policyPackForEngine). */
    readonly pack: string;
    readonly stack: string;
    /** The files' base name, `dev-image` say: `<file>.json`, `.stderr`, `.status`, `.md`. */
    readonly file: string;
    /** Whether it is one of the unit tests' fixtures (written only with STICKY_WRITE_FIXTURES=1). */
    readonly fixture: boolean;
    /** The digest form (no PULUMI_ENABLE_STREAMING_JSON_PREVIEW) rather than the event stream. */
    readonly digest?: boolean;
    readonly extra?: readonly string[];
    /** Runs the CLI: the workspace's own by default (the viewer's e2e runs it as the viewer). */
    readonly run?: (command: string, args: string[]) => Result;
}

/** Previews `stack` in `ws` as CI does, keeps what it printed, and reviews it. */
export function capturePreview(ws: Workspace, options: CaptureOptions): Captured {
    const { stack, file } = options;
    if (options.digest) delete ws.env.PULUMI_ENABLE_STREAMING_JSON_PREVIEW;
    else ws.env.PULUMI_ENABLE_STREAMING_JSON_PREVIEW = "true";
    const run = options.run ?? ((command: string, args: string[]) => ws.run(command, args));
    let result: Result;
    try {
        result = run("pulumi", ["preview", "--stack", stack, "--json", "--non-interactive", "--policy-pack", options.pack, ...(options.extra ?? [])]);
    } finally {
        delete ws.env.PULUMI_ENABLE_STREAMING_JSON_PREVIEW;
    }
    const review = reviewPreview({ preview: parsePreview(result.stdout), stderr: result.stderr, exitStatus: result.status, stack });
    const markdown = renderReview(review);
    const out = path.join(ws.dir, "previews");
    fs.mkdirSync(out, { recursive: true });
    const dirs = process.env.STICKY_WRITE_FIXTURES && options.fixture ? [out, PREVIEW_FIXTURES] : [out];
    for (const dir of dirs) {
        fs.mkdirSync(dir, { recursive: true });
        // The workspace's paths differ on every run; the fixtures name neither them nor the pack's copy.
        const scrub = (text: string) => text.split(ws.dir).join("<workspace>");
        fs.writeFileSync(path.join(dir, `${file}.json`), scrub(result.stdout));
        fs.writeFileSync(path.join(dir, `${file}.stderr`), scrub(result.stderr));
        fs.writeFileSync(path.join(dir, `${file}.status`), `${result.status}\n`);
    }
    fs.writeFileSync(path.join(out, `${file}.md`), markdown);
    return { json: result.stdout, stderr: result.stderr, status: result.status, review, markdown };
}
