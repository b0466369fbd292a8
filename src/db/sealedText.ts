import { JsonType, Type, type EntityMetadata, type Platform, type TransformContext } from '@mikro-orm/core';
import type { CustomHeader } from '../core/registry/customHeaders.js';
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
 * The custom headers column (jsonb): names as they are, each value sealed as a SealedText of its
 * own purpose, so the registry reads and writes plain headers and an unchanged list converts
 * back to the very JSON read (no rewrite on an edit that does not touch it).
 */
export class SealedHeaders extends JsonType {
  private readonly values: SealedText;

  constructor(vault: Vault) {
    super();
    this.values = new SealedText(vault, SEALED.header);
  }

  override convertToDatabaseValue(value: unknown, platform: Platform, context?: TransformContext): string | null {
    const list = Array.isArray(value) ? (value as CustomHeader[]).map((h) => ({ name: h.name, value: this.values.convertToDatabaseValue(h.value) })) : value;
    return super.convertToDatabaseValue(list, platform, context);
  }

  override convertToJSValue(value: unknown, platform: Platform, context?: TransformContext): unknown {
    const list = super.convertToJSValue(value, platform, context);
    return Array.isArray(list) ? (list as CustomHeader[]).map((h) => ({ name: h.name, value: this.values.convertToJSValue(h.value) })) : list;
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
    meta.properties.customHeaders!.type = new SealedHeaders(vault) as never;
  };
}
