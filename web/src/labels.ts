import { graphql } from './graphql';

/** Labels of every enum value, from the server's one table (resolvers/labels.py). */
export const LabelsQuery = graphql(`
  query EnumLabels {
    enumLabels { enum value zh en }
    viewer { name role agency { id name } }
  }
`);
