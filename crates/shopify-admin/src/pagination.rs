//! Reading a connection page by page as a `Stream`.

use futures::stream::{self, BoxStream, TryStreamExt};

use crate::budget::QueryCost;
use crate::client::AdminClient;
use crate::error::AdminError;
use crate::operation::{PageInfo, PagedOperation};

/// One page of a connection.
#[derive(Debug, Clone)]
pub struct Page<N> {
    pub nodes: Vec<N>,
    /// `end_cursor` is the checkpoint: store it after the page is processed
    /// and pass it as `after` to resume there.
    pub page_info: PageInfo,
    pub request_id: Option<String>,
    pub cost: Option<QueryCost>,
}

struct Cursor<V> {
    variables: V,
    previous: Option<String>,
}

impl AdminClient {
    /// Streams the pages of a connection, starting from the `after` cursor
    /// in `variables` (`None` for the beginning). Each page is fetched when
    /// the stream is polled, through the shop's budget and retry policy; the
    /// stream ends after the last page or at the first error.
    pub fn paginate<Op>(&self, variables: Op::Variables) -> BoxStream<'static, Result<Page<Op::Node>, AdminError>>
    where
        Op: PagedOperation + 'static,
        Op::Variables: Clone + Send + 'static,
        Op::Node: Send + 'static,
    {
        let client = self.clone();
        let start = Cursor { previous: None, variables };
        Box::pin(stream::try_unfold(Some(start), move |state| {
            let client = client.clone();
            async move {
                let Some(Cursor { mut variables, previous }) = state else {
                    return Ok(None);
                };
                let reply = client.execute::<Op>(&variables).await?;
                let page_info = Op::page_info(&reply.data).cloned().unwrap_or_default();
                let next = match (&page_info.has_next_page, &page_info.end_cursor) {
                    (true, Some(cursor)) => {
                        if previous.as_deref() == Some(cursor.as_str()) {
                            return Err(AdminError::Decode {
                                operation: Op::NAME.to_owned(),
                                message: format!(
                                    "Shopify returned the same page cursor twice ({cursor}); stopping instead of looping"
                                ),
                                request_id: reply.request_id,
                            });
                        }
                        Op::set_after(&mut variables, Some(cursor.clone()));
                        Some(Cursor { variables, previous: Some(cursor.clone()) })
                    }
                    (true, None) => {
                        return Err(AdminError::Decode {
                            operation: Op::NAME.to_owned(),
                            message: "Shopify says there is a next page but gave no cursor (the document must select pageInfo { endCursor })".to_owned(),
                            request_id: reply.request_id,
                        });
                    }
                    (false, _) => None,
                };
                let page = Page {
                    page_info,
                    request_id: reply.request_id,
                    cost: reply.cost,
                    nodes: Op::into_nodes(reply.data),
                };
                Ok(Some((page, next)))
            }
        }))
    }

    /// Reads every page and returns all elements (for small connections:
    /// locations, webhook subscriptions, a product's variants).
    pub async fn collect_all<Op>(&self, variables: Op::Variables) -> Result<Vec<Op::Node>, AdminError>
    where
        Op: PagedOperation + 'static,
        Op::Variables: Clone + Send + 'static,
        Op::Node: Send + 'static,
    {
        self.paginate::<Op>(variables)
            .try_fold(Vec::new(), |mut all, page| async move {
                all.extend(page.nodes);
                Ok(all)
            })
            .await
    }
}
