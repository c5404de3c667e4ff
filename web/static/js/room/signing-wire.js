// A signing ceremony's payloads (PROTOCOL.md, "Signing ceremony") as plain page objects.
// Used by connection.js, the one script that knows the wire.

export function toSigning(wire) {
  if (!wire) return null;
  return {
    title: wire.title,
    fileId: wire.file_id,
    sha256: wire.sha256,
    pages: wire.pages,
    page: wire.page,
    fixed: Boolean(wire.fixed),
    closed: Boolean(wire.closed),
    called: wire.called ?? null,
    next: wire.next ?? null,
    head: wire.head ?? "",
    steps: wire.steps ?? 0,
    signedUrl: wire.signed_url ?? null,
    parties: (wire.parties ?? []).map((p) => ({
      id: p.party_id,
      organization: p.organization,
      signer: p.signer,
      signerTitle: p.signer_title ?? "",
      state: p.state,
      signedAt: p.signed_at ? new Date(p.signed_at) : null,
      signature: p.signature ?? null,
    })),
    witnesses: (wire.witnesses ?? []).map((w) => ({
      name: w.name,
      attestedAt: w.attested_at ? new Date(w.attested_at) : null,
    })),
  };
}

export function toSigningMe(wire) {
  if (!wire) return null;
  return {
    partyId: wire.party_id ?? null,
    witness: Boolean(wire.witness),
    byAccount: Boolean(wire.by_account),
    chair: Boolean(wire.chair),
  };
}

export function toMoment(wire) {
  if (!wire) return null;
  return {
    partyId: wire.party_id,
    organization: wire.organization,
    signer: wire.signer,
    at: new Date(wire.at),
    countdown: wire.countdown ?? 3,
  };
}
