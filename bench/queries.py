"""The GraphQL operations under test; names match docs/architecture.md's Benchmark section."""

from __future__ import annotations

Q1_DASHBOARD = """
query Dashboard($first: Int!, $after: String) {
  pairings(first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges {
      node {
        id status startsOn endsOn
        mentor { id name region { id name } }
        supported { id name region { id name } }
        progress {
          milestonesTotal milestonesAchieved milestonesOverdue milestonesWaived maxDaysOverdue
          percentComplete timeElapsedPercent health
        }
        serviceTotals { homeVisits caseworkCases groupSessions themedActivities trainingSessions beneficiaries }
        resourceTotals { cashYuan inKindYuan disbursementBatches peopleFunded }
      }
    }
  }
}
"""

Q2_DETAIL = """
query PairingDetail($id: ID!) {
  pairing(id: $id) {
    id status startsOn endsOn
    milestones(first: 12) {
      edges {
        node {
          id title category termYear dueOn status
          updates(first: 10) { edges { node { id note progressPercent status submittedAt } } }
        }
      }
    }
    trainingSessions(first: 20) { edges { node { id topic startsOn endsOn hours mode participants } } }
    serviceStations { id name establishedOn }
    incubatedOrganizations { id stage startedOn }
  }
}
"""

Q3_STATS = """
query Stats($programId: ID, $regionId: ID) {
  programStats(programId: $programId, regionId: $regionId) {
    pairings activePairings milestonesOverdue
    serviceTotals { homeVisits caseworkCases groupSessions themedActivities trainingSessions beneficiaries }
    resourceTotals { cashYuan inKindYuan disbursementBatches peopleFunded }
  }
}
"""

M1_SUBMIT = """
mutation Submit($input: SubmitMilestoneUpdateInput!) {
  submitMilestoneUpdate(input: $input) { milestoneUpdate { id } userErrors { field message code } }
}
"""

# Staff return the update just submitted, so that the milestone takes the next submission: M1 runs
# submit and return in turn, each a real accepted write, measured apart.
M1_RETURN = """
mutation Return($input: ReviewMilestoneUpdateInput!) {
  reviewMilestoneUpdate(input: $input) { milestoneUpdate { id } userErrors { field message code } }
}
"""
