import { Field, ID, InputType, ObjectType } from 'type-graphql';

@ObjectType()
export class Account {
  @Field(() => ID)
  id!: string;

  @Field()
  name!: string;
}

@ObjectType()
export class ApiKey {
  @Field(() => ID)
  id!: string;

  @Field()
  label!: string;

  @Field({ description: 'The first characters of the key, to recognise it.' })
  prefix!: string;

  @Field()
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  revokedAt!: Date | null;
}

@ObjectType()
export class CreateAccountPayload {
  @Field(() => Account)
  account!: Account;

  @Field({ description: 'The account\'s first API key. Shown once: it is stored hashed.' })
  apiKey!: string;
}

@ObjectType()
export class CreateApiKeyPayload {
  @Field(() => ApiKey)
  key!: ApiKey;

  @Field({ description: 'The new API key. Shown once: it is stored hashed.' })
  apiKey!: string;
}

@InputType()
export class CreateApiKeyInput {
  @Field()
  label!: string;
}
