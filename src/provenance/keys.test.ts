import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keyId, signEnvelope, verifyEnvelope } from './keys.js';

function signer(): { id: string; key: KeyObject; pub: KeyObject } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { id: keyId(publicKey), key: privateKey, pub: publicKey };
}

describe('verifyEnvelope', () => {
  const a = signer();
  const b = signer();
  const payload = Buffer.from('{"artifact":"x"}');

  it('accepts a later signature when an earlier known key does not match', () => {
    const good = signEnvelope(payload, b).signatures[0]!;
    const bad = { keyid: a.id, sig: signEnvelope(Buffer.from('other'), a).signatures[0]!.sig };
    const envelope = { ...signEnvelope(payload, b), signatures: [bad, good] };
    expect(verifyEnvelope(envelope, new Map([[a.id, a.pub], [b.id, b.pub]]))).toEqual({ keyId: b.id });
  });

  it('accepts a known signature after an unknown one', () => {
    const envelope = signEnvelope(payload, b);
    envelope.signatures.unshift({ keyid: 'feedfacefeedface', sig: 'AAAA' });
    expect(verifyEnvelope(envelope, new Map([[b.id, b.pub]]))).toEqual({ keyId: b.id });
  });

  it('names every known key whose signature fails when none verifies', () => {
    const envelope = signEnvelope(Buffer.from('other'), a);
    envelope.signatures.push({ keyid: b.id, sig: signEnvelope(Buffer.from('other'), b).signatures[0]!.sig });
    envelope.payload = payload.toString('base64');
    expect(verifyEnvelope(envelope, new Map([[a.id, a.pub], [b.id, b.pub]]))).toEqual({
      problem: `the signatures by keys ${a.id}, ${b.id} do not match the stamp`,
    });
  });

  it('says the signers are not allowed when no key is known', () => {
    const envelope = signEnvelope(payload, a);
    expect(verifyEnvelope(envelope, new Map([[b.id, b.pub]]))).toEqual({
      problem: `signed by ${a.id}, which is not among the allowed keys`,
    });
  });
});
