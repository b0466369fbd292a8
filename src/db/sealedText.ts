import { Type, type EntityMetadata } from '@mikro-orm/core';
import { SEALED, type Vault } from '../core/security/vault.js';

const REMEMBERED_MAX = 10_000;

/**
 * A text column whose values are sealed at rest (core/security/vault.ts): the registry reads
 * and writes plain values, PostgreSQL only ever sees sealed ones. Each stored value read is
 * remembered with its plain value, so that an unchanged secret converts back to the very
 * value read and the ORM's change check does not see a fresh ciphertext (a new random IV)
 * as an edit to write again. (So one process writes one ciphertext per plain value: the
 * endpoints of a webhook, which share their secret and key, share its sealed form too.)
 */
export class SealedText extends Type<string | null | undefined, string | null | undefined> {
  private readonly storedOf = new Map<string, string>();

  constructor(
    private readonly vault: Vault,
    private readonly purpose: string,
  ) {
    super();
  }

  override convertToDatabaseValue(value: string | null | undefined): string | null | undefined {
    if (value == null) return value;
    const known = this.storedOf.get(value);
    if (known !== undefined && this.vault.keyIdOf(known) === this.vault.keyId) return known;
    const stored = this.vault.seal(value, this.purpose);
    this.remember(value, stored);
    return stored;
  }

  override convertToJSValue(value: string | null | undefined): string | null | undefined {
    if (value == null) return value;
    const plain = this.vault.open(value, this.purpose);
    this.remember(plain, value);
    return plain;
  }

  override compareAsType(): string {
    return 'string';
  }

  override getColumnType(): string {
    return 'text';
  }

  private remember(plain: string, stored: string): void {
    if (this.storedOf.size >= REMEMBERED_MAX) this.storedOf.clear();
    this.storedOf.set(plain, stored);
  }
}

/**
 * Gives this ORM instance's Endpoint metadata its sealed columns (MikroORM copies entity
 * metadata per instance, so each database handle seals with its own vault).
 */
export function sealColumns(vault: Vault) {
  return (meta: EntityMetadata): void => {
    if (meta.className !== 'Endpoint') return;
    meta.properties.secret!.type = new SealedText(vault, SEALED.secret) as never;
    meta.properties.signingKey!.type = new SealedText(vault, SEALED.signingKey) as never;
    // A rotated-out key still signs during its overlap: sealed like the current one.
    meta.properties.previousSigningKey!.type = new SealedText(vault, SEALED.signingKey) as never;
  };
}
