import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { printSchema } from 'graphql';
import { buildGatewaySchema } from '../src/graphql/schema.js';

/** `npm run schema`: writes schema.graphql, the API's checked-in contract. */
const schema = await buildGatewaySchema();
writeFileSync('schema.graphql', `${printSchema(schema)}\n`);
process.stdout.write('schema.graphql written\n');
