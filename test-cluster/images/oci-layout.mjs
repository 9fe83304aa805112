// Writes a single-layer OCI image layout (oci-layout, index.json, blobs/sha256/*) for
// test-cluster/images.sh, which has no docker/buildah/skopeo to do it. Node instead of bash
// because the config, manifest and index are JSON with digests of each other.
//
//   node oci-layout.mjs <layout-dir> <layer.tar.gz> <image-template.json> <ref> [label=value ...]
//
// <image-template.json> holds the image's runtime config ({"config": {...}, "created_by": "..."}).
// The labels are added to config.Labels. Prints the manifest digest. Everything written is a
// function of the inputs (fixed "created" time, key order as written), so rebuilding the same
// layer gives the same digests.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

const [layoutDir, layerPath, templatePath, ref, ...labelArgs] = process.argv.slice(2);
if (!ref) {
  console.error('usage: node oci-layout.mjs <layout-dir> <layer.tar.gz> <image-template.json> <ref> [label=value ...]');
  process.exit(2);
}

// Image platform = the machine building it: the layer holds this machine's Debian binaries.
const ARCH = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x' }[process.arch];
if (!ARCH) throw new Error(`no OCI architecture name known for node's process.arch ${process.arch}`);
const CREATED = '1970-01-01T00:00:00Z'; // reproducible; the layer's mtimes are 0 as well

const sha256 = (buf) => `sha256:${createHash('sha256').update(buf).digest('hex')}`;
const blobsDir = join(layoutDir, 'blobs', 'sha256');
mkdirSync(blobsDir, { recursive: true });

function writeBlob(mediaType, content) {
  const buf = Buffer.isBuffer(content) ? content : Buffer.from(JSON.stringify(content));
  const digest = sha256(buf);
  writeFileSync(join(blobsDir, digest.slice('sha256:'.length)), buf);
  return { mediaType, digest, size: buf.length };
}

const template = JSON.parse(readFileSync(templatePath, 'utf8'));
const labels = { ...(template.config.Labels ?? {}) };
for (const arg of labelArgs) {
  const eq = arg.indexOf('=');
  if (eq <= 0) throw new Error(`label argument ${JSON.stringify(arg)} is not key=value`);
  labels[arg.slice(0, eq)] = arg.slice(eq + 1);
}

const layerGz = readFileSync(layerPath);
const layer = writeBlob('application/vnd.oci.image.layer.v1.tar+gzip', layerGz);
const config = writeBlob('application/vnd.oci.image.config.v1+json', {
  created: CREATED,
  architecture: ARCH,
  os: 'linux',
  config: { ...template.config, Labels: labels },
  // diff_id = digest of the uncompressed layer; containerd checks it when unpacking.
  rootfs: { type: 'layers', diff_ids: [sha256(gunzipSync(layerGz))] },
  history: [{ created: CREATED, created_by: template.created_by ?? 'test-cluster/images.sh' }],
});
const manifest = writeBlob('application/vnd.oci.image.manifest.v1+json', {
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  config,
  layers: [layer],
});

writeFileSync(join(layoutDir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
writeFileSync(join(layoutDir, 'index.json'), JSON.stringify({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.index.v1+json',
  manifests: [{
    ...manifest,
    platform: { architecture: ARCH, os: 'linux' },
    annotations: {
      // The OCI name. ctr treats it as a full ref only under some flag combinations, so also
      // set containerd's own annotation, which `ctr images import` always takes verbatim.
      'org.opencontainers.image.ref.name': ref,
      'io.containerd.image.name': ref,
    },
  }],
}));
console.log(manifest.digest);
