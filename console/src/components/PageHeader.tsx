import { Button, Content, Flex, FlexItem, PageSection, Title } from '@patternfly/react-core';
import OutlinedQuestionCircleIcon from '@patternfly/react-icons/dist/esm/icons/outlined-question-circle-icon';
import type { ReactNode } from 'react';
import { Link, useLocation } from 'react-router';

/** The "?" beside a page title: the help article for the page shown (the Help page picks it). */
function HelpLink() {
  const { pathname } = useLocation();
  return (
    <Button
      variant="plain"
      size="sm"
      icon={<OutlinedQuestionCircleIcon />}
      aria-label="Help for this page"
      className="payflow-page-help"
      data-tour-id="page-help"
      component={(props: object) => <Link {...props} to={`/help?for=${encodeURIComponent(pathname)}`} />}
    />
  );
}

/** The top of every page: title, one line that says what it is for, and the page's actions. */
export function PageHeader({
  title,
  description,
  actions,
  help = true,
}: {
  title: ReactNode;
  description?: ReactNode;
  actions?: ReactNode;
  /** The "?" link to the page's help article (off on the help pages themselves). */
  help?: boolean;
}) {
  return (
    <PageSection>
      <Flex
        justifyContent={{ default: 'justifyContentSpaceBetween' }}
        alignItems={{ default: 'alignItemsFlexStart' }}
        gap={{ default: 'gapMd' }}
      >
        <FlexItem>
          <Flex
            alignItems={{ default: 'alignItemsCenter' }}
            gap={{ default: 'gapXs' }}
            flexWrap={{ default: 'nowrap' }}
          >
            <Title headingLevel="h1" data-tour-id="page-title">
              {title}
            </Title>
            {help && <HelpLink />}
          </Flex>
          {description && <Content component="p">{description}</Content>}
        </FlexItem>
        {actions && <FlexItem>{actions}</FlexItem>}
      </Flex>
    </PageSection>
  );
}
