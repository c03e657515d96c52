/**
 * Checks synthesized Terraform JSON against the acme provider's schema as recorded in
 * modules/acme/acme-provider-schema.json (written from the provider's docs and Go schema, since
 * `terraform providers schema` cannot download the provider here). Stack tests import it too.
 */
import schemaFixture from '../../modules/acme/acme-provider-schema.json';

/** A Terraform type as `terraform providers schema -json` writes it: `"string"`, `["set", "string"]`, ... */
type SchemaType = string | readonly SchemaType[];

interface AttributeSchema {
  readonly type: SchemaType;
  readonly required?: boolean;
  readonly optional?: boolean;
  readonly computed?: boolean;
  readonly sensitive?: boolean;
}

interface BlockSchema {
  readonly attributes: Readonly<Record<string, AttributeSchema>>;
  readonly block_types?: Readonly<Record<string, NestedBlockSchema>>;
}

interface NestedBlockSchema {
  readonly nesting_mode: 'single' | 'list' | 'set';
  readonly min_items?: number;
  readonly max_items?: number;
  readonly block: BlockSchema;
}

/** The fixture's shape: a subset of `terraform providers schema -json` for one provider. */
export interface AcmeProviderSchema {
  readonly provider_source: string;
  readonly provider_version: string;
  readonly provider: { readonly block: BlockSchema };
  readonly resource_schemas: Readonly<Record<string, { readonly block: BlockSchema }>>;
}

/** The recorded schema of vancluever/acme. */
export const acmeProviderSchema = schemaFixture as AcmeProviderSchema;

/** The parts of a synthesized stack the check reads (a parsed `cdk.tf.json`). */
export interface SynthesizedTerraform {
  readonly provider?: Readonly<Record<string, unknown>>;
  readonly resource?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** Keys Terraform itself (or cdktf's `//` metadata) adds beside a provider's own arguments. */
const PROVIDER_META_ARGUMENTS = new Set(['alias']);
const RESOURCE_META_ARGUMENTS = new Set(['//', 'provider', 'depends_on', 'count', 'for_each', 'lifecycle', 'provisioner', 'connection']);

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
/** A Terraform expression such as `${acme_registration.x.account_key_pem}` stands for a value of any type. */
const isExpression = (value: unknown): boolean => typeof value === 'string' && value.includes('${');

const typeProblem = (path: string, type: SchemaType, value: unknown): string[] => {
  if (isExpression(value)) return [];
  if (typeof type === 'string') {
    const ok = type === 'string' ? typeof value === 'string' : type === 'number' ? typeof value === 'number' : type === 'bool' ? typeof value === 'boolean' : false;
    return ok ? [] : [`${path}: ${JSON.stringify(value)} is not a ${type}`];
  }
  const [collection, element] = type;
  if (element === undefined) return [`${path}: the schema type ${JSON.stringify(type)} names no element type`];
  if (collection === 'map') {
    return isRecord(value) ? Object.entries(value).flatMap(([key, item]) => typeProblem(`${path}.${key}`, element, item)) : [`${path}: expected a map`];
  }
  return Array.isArray(value) ? value.flatMap((item, index) => typeProblem(`${path}[${index}]`, element, item)) : [`${path}: expected a ${collection}`];
};

const nestedBlockProblems = (path: string, nested: NestedBlockSchema, value: unknown): string[] => {
  if (nested.nesting_mode === 'single') {
    return isRecord(value) ? blockProblems(path, nested.block, value, new Set()) : [`${path}: a single block is written as an object`];
  }
  if (!Array.isArray(value)) return [`${path}: a ${nested.nesting_mode} block is written as an array of objects`];
  return [
    ...(nested.max_items !== undefined && value.length > nested.max_items ? [`${path}: ${value.length} blocks, at most ${nested.max_items} allowed`] : []),
    ...(nested.min_items !== undefined && value.length < nested.min_items ? [`${path}: ${value.length} blocks, at least ${nested.min_items} needed`] : []),
    ...value.flatMap((item, index) =>
      isRecord(item) ? blockProblems(`${path}[${index}]`, nested.block, item, new Set()) : [`${path}[${index}]: a block is written as an object`],
    ),
  ];
};

/** Every problem of one block body: unknown keys, wrong types or nesting, missing required arguments, computed-only attributes set. */
const blockProblems = (path: string, schema: BlockSchema, body: Record<string, unknown>, metaArguments: ReadonlySet<string>): string[] => {
  const blockTypes = schema.block_types ?? {};
  const emitted = Object.entries(body).flatMap(([key, value]) => {
    const keyPath = `${path}.${key}`;
    if (metaArguments.has(key)) return [];
    const attribute = schema.attributes[key];
    if (attribute) {
      if (attribute.computed && !attribute.optional && !attribute.required) return [`${keyPath}: computed-only, cannot be set`];
      return typeProblem(keyPath, attribute.type, value);
    }
    const nested = blockTypes[key];
    if (nested) return nestedBlockProblems(keyPath, nested, value);
    return [`${keyPath}: no such argument or block in ${acmeProviderSchema.provider_source} ${acmeProviderSchema.provider_version}`];
  });
  const missingAttributes = Object.entries(schema.attributes)
    .filter(([key, attribute]) => attribute.required && !(key in body))
    .map(([key]) => `${path}.${key}: required, missing`);
  const missingBlocks = Object.entries(blockTypes)
    .filter(([key, nested]) => (nested.min_items ?? 0) > 0 && !(key in body))
    .map(([key]) => `${path}.${key}: required block, missing`);
  return [...emitted, ...missingAttributes, ...missingBlocks];
};

/**
 * Checks every `provider.acme[*]` and every `resource.acme_*.*` of a synthesized stack against the
 * recorded schema; returns the problems, each naming its JSON path (empty: all well). Other
 * providers' blocks and resources are not looked at.
 */
export const checkAgainstAcmeSchema = (synthesized: SynthesizedTerraform): string[] => {
  const providerBlocks = synthesized.provider?.acme;
  const providerProblems =
    providerBlocks === undefined
      ? []
      : Array.isArray(providerBlocks)
        ? providerBlocks.flatMap((body, index) =>
            isRecord(body) ? blockProblems(`provider.acme[${index}]`, acmeProviderSchema.provider.block, body, PROVIDER_META_ARGUMENTS) : [`provider.acme[${index}]: not an object`],
          )
        : ['provider.acme: cdktf writes provider configurations as an array'];
  const resourceProblems = Object.entries(synthesized.resource ?? {})
    .filter(([type]) => type.startsWith('acme_'))
    .flatMap(([type, resources]) => {
      const schema = acmeProviderSchema.resource_schemas[type];
      if (!schema) return [`resource.${type}: no such resource type in ${acmeProviderSchema.provider_source} ${acmeProviderSchema.provider_version}`];
      return Object.entries(resources).flatMap(([name, body]) =>
        isRecord(body) ? blockProblems(`resource.${type}.${name}`, schema.block, body, RESOURCE_META_ARGUMENTS) : [`resource.${type}.${name}: not an object`],
      );
    });
  return [...providerProblems, ...resourceProblems];
};
