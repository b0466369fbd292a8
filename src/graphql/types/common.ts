import { Field, ObjectType } from 'type-graphql';

@ObjectType({ description: 'Relay pagination state.' })
export class PageInfo {
  @Field()
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true, description: 'Pass as `after` for the next page.' })
  endCursor!: string | null;
}

@ObjectType()
export class Diagnosis {
  @Field({ description: 'Stable key of the cause (timeout, unauthorized, overloaded, …).' })
  code!: string;

  @Field({ description: 'What went wrong, in plain words.' })
  cause!: string;

  @Field({ description: 'What to do about it.' })
  fix!: string;
}
