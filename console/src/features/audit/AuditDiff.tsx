// The expanded part of an audit row: the fields that changed (before → after), then the whole
// before and after documents.
import { CodeBlock, CodeBlockCode, ExpandableSection, Grid, GridItem, Title } from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { useState } from 'react';
import { diffFields, isNone } from './diff';

function Json({ title, value }: { title: string; value: unknown }) {
  return (
    <>
      <Title headingLevel="h4" size="md" className="pf-v6-u-mb-sm">
        {title}
      </Title>
      {isNone(value) ? (
        <p className="pf-v6-u-text-color-subtle">None</p>
      ) : (
        <CodeBlock>
          <CodeBlockCode>{JSON.stringify(value, null, 2)}</CodeBlockCode>
        </CodeBlock>
      )}
    </>
  );
}

export function AuditDiff({ before, after }: { before: unknown; after: unknown }) {
  const changes = diffFields(before, after);
  const [full, setFull] = useState(isNone(before) || isNone(after));
  return (
    <div>
      {changes.length > 0 && !isNone(before) && !isNone(after) && (
        <Table aria-label="Changed fields" variant="compact" borders={false}>
          <Thead>
            <Tr>
              <Th>Field</Th>
              <Th>Before</Th>
              <Th screenReaderText="becomes" />
              <Th>After</Th>
            </Tr>
          </Thead>
          <Tbody>
            {changes.map((c) => (
              <Tr key={c.field}>
                <Td dataLabel="Field" className="pf-v6-u-font-family-monospace">
                  {c.field}
                </Td>
                <Td dataLabel="Before" modifier="breakWord">
                  {c.kind === 'added' ? <em>absent</em> : <del>{c.before}</del>}
                </Td>
                <Td aria-hidden>→</Td>
                <Td dataLabel="After" modifier="breakWord">
                  {c.kind === 'removed' ? <em>removed</em> : <ins>{c.after}</ins>}
                </Td>
              </Tr>
            ))}
          </Tbody>
        </Table>
      )}
      <ExpandableSection
        toggleText={full ? 'Hide full before and after' : 'Show full before and after'}
        isExpanded={full}
        onToggle={(_e, v) => {
          setFull(v);
        }}
      >
        <Grid hasGutter>
          <GridItem md={6}>
            <Json title="Before" value={before} />
          </GridItem>
          <GridItem md={6}>
            <Json title="After" value={after} />
          </GridItem>
        </Grid>
      </ExpandableSection>
    </div>
  );
}
