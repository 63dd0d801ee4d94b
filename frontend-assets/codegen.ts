import type { CodegenConfig } from '@graphql-codegen/cli';

// Typed documents from the operations the app sends: graphql/operations/*.graphql is also
// the server's list of the documents the web app uses.
const config: CodegenConfig = {
  schema: '../graphql/schema.graphql',
  documents: ['../graphql/operations/*.graphql'],
  ignoreNoDocuments: false,
  generates: {
    './src/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        documentMode: 'documentNode',
        enumsAsTypes: true,
        useTypeImports: true,
        scalars: { Date: 'string', DateTime: 'string', JSON: 'unknown', UUID: 'string' },
      },
    },
  },
};
export default config;
