/** tools/redact.ts: what leaves the account id and the EKS endpoint out of uploaded files. */
import * as assert from "assert";
import { ACCOUNT_ID_PLACEHOLDER, ENDPOINT_PLACEHOLDER, redact } from "../tools/redact";

describe("redact", () => {
    it("replaces the account id wherever it stands alone, and every EKS endpoint host", () => {
        const text = [
            "arn:aws:iam::123456789012:role/sticky-nodes",
            '"endpoint": "https://0123456789ABCDEF0123456789ABCDEF.gr7.eu-west-1.eks.amazonaws.com"',
            "owner 123456789012.",
        ].join("\n");
        assert.strictEqual(
            redact(text, "123456789012"),
            [`arn:aws:iam::${ACCOUNT_ID_PLACEHOLDER}:role/sticky-nodes`, `"endpoint": "https://${ENDPOINT_PLACEHOLDER}"`, `owner ${ACCOUNT_ID_PLACEHOLDER}.`].join("\n"),
        );
    });

    it("leaves longer numbers that contain the id, and refuses an id that is not 12 digits", () => {
        assert.strictEqual(redact("t=91234567890123", "123456789012"), "t=91234567890123");
        assert.throws(() => redact("x", "12345"), /the account id must be 12 digits, not "12345"/);
        assert.throws(() => redact("x", ""), /must be 12 digits/);
    });
});
