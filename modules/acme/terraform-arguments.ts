import * as cdktf from 'cdktf';

/**
 * One argument of a hand-written binding, tagged with its Terraform type so that it can be written
 * both as JSON (`cdktf synth`) and as HCL (`cdktf synth --hcl`). The generated `@cdktf/provider-*`
 * packages spell out both forms for every argument; a table keeps the acme bindings at one line an
 * argument and the two forms from drifting apart.
 */
export type TerraformArgument =
  | { readonly type: 'string'; readonly value: string | undefined }
  | { readonly type: 'number'; readonly value: number | undefined }
  | { readonly type: 'bool'; readonly value: boolean | undefined }
  | { readonly type: 'stringList' | 'stringSet'; readonly value: readonly string[] | undefined }
  | { readonly type: 'stringMap'; readonly value: Readonly<Record<string, string>> | undefined }
  | { readonly type: 'blockList'; readonly value: readonly TerraformArguments[] | undefined };

/** Arguments by their Terraform (snake_case) name. An argument whose value is `undefined` is left out. */
export type TerraformArguments = Readonly<Record<string, TerraformArgument>>;

/** How one argument type is written: cdktf's JSON and HCL mappers, and the HCL renderer's type tags. */
interface ArgumentWriter {
  readonly json: cdktf.Mapper;
  readonly hcl: cdktf.Mapper;
  readonly type: 'simple' | 'list' | 'set' | 'map';
  readonly storageClassType: string;
}

/** Lists and sets of strings are written alike but for the HCL type tag. */
const STRING_COLLECTION = { json: cdktf.listMapper(cdktf.stringToTerraform, false), hcl: cdktf.listMapperHcl(cdktf.stringToHclTerraform, false), storageClassType: 'stringList' };

const WRITERS: Readonly<Record<TerraformArgument['type'], ArgumentWriter>> = {
  string: { json: cdktf.stringToTerraform, hcl: cdktf.stringToHclTerraform, type: 'simple', storageClassType: 'string' },
  number: { json: cdktf.numberToTerraform, hcl: cdktf.numberToHclTerraform, type: 'simple', storageClassType: 'number' },
  bool: { json: cdktf.booleanToTerraform, hcl: cdktf.booleanToHclTerraform, type: 'simple', storageClassType: 'boolean' },
  stringList: { ...STRING_COLLECTION, type: 'list' },
  stringSet: { ...STRING_COLLECTION, type: 'set' },
  stringMap: { json: cdktf.hashMapper(cdktf.stringToTerraform), hcl: cdktf.hashMapperHcl(cdktf.stringToHclTerraform), type: 'map', storageClassType: 'stringMap' },
  // Nested blocks recurse; the arrow functions defer the lookup of the functions declared below.
  blockList: { json: (blocks) => cdktf.listMapper(argumentsToJson, true)(blocks), hcl: (blocks) => cdktf.listMapperHcl(argumentsToHcl, true)(blocks), type: 'list', storageClassType: 'blockList' },
};

const setArguments = (args: TerraformArguments): [string, TerraformArgument][] => Object.entries(args).filter(([, argument]) => argument.value !== undefined);

/** The arguments as Terraform JSON attributes (what a binding's `synthesizeAttributes()` returns). */
export function argumentsToJson(args: TerraformArguments): Record<string, unknown> {
  return Object.fromEntries(setArguments(args).map(([name, argument]) => [name, WRITERS[argument.type].json(argument.value)]));
}

/** The arguments in the form cdktf's HCL renderer reads (what a binding's `synthesizeHclAttributes()` returns). */
export function argumentsToHcl(args: TerraformArguments): Record<string, unknown> {
  return Object.fromEntries(
    setArguments(args).map(([name, argument]) => {
      const { hcl, type, storageClassType } = WRITERS[argument.type];
      return [name, { value: hcl(argument.value), isBlock: argument.type === 'blockList', type, storageClassType }];
    }),
  );
}
