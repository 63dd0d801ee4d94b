import type { ChildQuery } from '../../gql/graphql';

export type WorkspaceChild = NonNullable<ChildQuery['child']>;
export type Member = WorkspaceChild['network'][number];
