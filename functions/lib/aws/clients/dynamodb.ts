/**
 * The DynamoDB client without its commands: the store sends through the DocumentClient (`@aws-sdk/lib-dynamodb`),
 * whose commands import the DynamoDB commands they wrap, so a bundle carries those only (see ../sdk.ts).
 */
export { DynamoDBClient } from '@aws-sdk/client-dynamodb';
