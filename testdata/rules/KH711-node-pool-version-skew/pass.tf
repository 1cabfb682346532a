resource "azurerm_kubernetes_cluster" "aks" {
  name                = "aks-prod"
  location            = "westeurope"
  resource_group_name = "rg-aks-prod"
  dns_prefix          = "aks-prod"
  kubernetes_version  = "1.33"

  default_node_pool {
    name                 = "system"
    vm_size              = "Standard_D4ds_v5"
    node_count           = 3
    orchestrator_version = "1.33"
  }

  identity {
    type = "SystemAssigned"
  }
}
